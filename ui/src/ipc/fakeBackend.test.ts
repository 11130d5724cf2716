import { describe, expect, it } from "vitest";
import { BackendError } from "./backend";
import { FakeBackend } from "./fakeBackend";

describe("the fake backend", () => {
  it("answers the commands a test set up, by method name, recording their arguments", async () => {
    const fake = new FakeBackend().signedIn();
    fake.handle("openReport", ({ recordId }) => ({ recordId: String(recordId), title: "CT report", date: null, author: null, status: "final", text: "", pdfUrl: null, format: "fhir", sections: [] }));
    await expect(fake.openReport("r1")).resolves.toMatchObject({ recordId: "r1", status: "final" });
    expect(fake.called("openReport")).toEqual([{ recordId: "r1" }]);
  });

  it("fails a command it has no answer for with not-faked", async () => {
    const fake = new FakeBackend().unhandle("diagnostics");
    const failure = await fake.diagnostics().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BackendError);
    expect((failure as BackendError).code).toBe("not-faked");
  });

  it("fails a command with the code a test gives until told to succeed", async () => {
    const fake = new FakeBackend();
    fake.fail("appInfo", "invalid-configuration");
    await expect(fake.appInfo()).rejects.toMatchObject({ code: "invalid-configuration" });
    fake.succeed("appInfo");
    await expect(fake.appInfo()).resolves.toMatchObject({ training: false });
  });
});
