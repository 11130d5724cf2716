import { describe, expect, it, vi } from "vitest";
import { App } from "./app";
import { BackendError } from "./ipc/backend";
import { FakeBackend } from "./ipc/fakeBackend";
import { TEST_NHS_NUMBER, frameOf, historyOf, recordOf, reportOf, studyOf } from "./ipc/fixtures";
import { PATIENT_NOT_CLOSED, STUDY_NOT_CLOSED } from "./screens/patient";

// jsdom has no WebGL: the study's viewports draw nothing.
vi.mock("./viewport/render/glRenderer", () => ({
  GlRenderer: class {
    upload(): void {}
    draw(): void {}
    clear(): void {}
  },
}));

// jsdom has no 2D canvas either: a preview draws nothing (and says nothing about it).
HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;

const study = recordOf({ id: "2.999.1" });
const report = recordOf({ id: "2.999.2", kind: "diagnosticReport", modality: null, description: "CT head report" });

/** A backend holding one synthetic patient with a study (one image) and a report. */
function backend(): FakeBackend {
  const fake = new FakeBackend();
  fake.histories.set(TEST_NHS_NUMBER, historyOf([study, report]));
  fake.studies.set(study.id, studyOf());
  fake.frames.set("study-1/0", [frameOf()]);
  fake.reports.set(report.id, reportOf());
  fake.identity = { patient: { nhsNumber: "991 200 3888", name: "TEST, Pat", birthDate: "1970-01-01", sex: "female" }, mismatch: null, studiesChecked: 1 };
  return fake;
}

/** Waits, a turn of the event loop at a time, for `check` to hold. */
async function until(check: () => boolean): Promise<void> {
  for (let turn = 0; turn < 100 && !check(); turn++) await new Promise((resolve) => setTimeout(resolve, 0));
  expect(check()).toBe(true);
}

function find<E extends Element = HTMLElement>(selector: string): E {
  const found = document.querySelector<E>(selector);
  if (!found) throw new Error(`nothing matches ${selector}`);
  return found;
}

const shown = (selector: string): Promise<void> => until(() => document.querySelector(selector) !== null);
const status = (): string => find("#status").textContent ?? "";

async function start(fake: FakeBackend): Promise<void> {
  const root = document.createElement("div");
  document.body.replaceChildren(root);
  await new App(root, fake).start();
}

/** A signed-in page with the synthetic patient's history on screen. */
async function withHistory(fake = backend()): Promise<FakeBackend> {
  await start(fake.signedIn());
  const input = find<HTMLInputElement>("#nhs-number");
  input.value = TEST_NHS_NUMBER;
  input.dispatchEvent(new Event("input"));
  find("#lookup-form").dispatchEvent(new Event("submit", { cancelable: true }));
  await shown("#patient-banner[data-identity='checked']");
  return fake;
}

const open = (record: string): void => find(`.row-open[data-record-id="${record}"]`).click();

describe("app start", () => {
  it("shows the sign-in screen when nobody is signed in, and the look-up once signed in", async () => {
    const fake = backend();
    await start(fake);
    expect(document.querySelector("#sign-in-screen")).not.toBeNull();
    find("#sign-in").click();
    await shown("#lookup-form");
    expect(find("#user-label").textContent).toBe("Dr Test · Clinician");
    expect(document.querySelector("#sign-out")).not.toBeNull();
  });

  it("refuses to start, saying why, when the configuration is refused", async () => {
    const fake = backend();
    fake.info = { ...fake.info, configurationProblems: ["The registry address is not https."] };
    await start(fake);
    expect(document.body.textContent).toContain("The registry address is not https.");
    expect(document.querySelector("#sign-in")).toBeNull();
  });
});

describe("app patient screens", () => {
  it("looks a patient up into their history, and fills the banner from the identity check", async () => {
    const fake = await withHistory();
    expect(fake.called("lookup")).toEqual([{ nhsNumber: TEST_NHS_NUMBER, from: null, to: null }]);
    expect(find("#banner-name").textContent).toBe("TEST, Pat");
    expect(document.querySelectorAll(".history-row")).toHaveLength(2);
  });

  it("says why a look-up failed, under the look-up", async () => {
    const fake = backend().signedIn();
    fake.fail("lookup", "network-unavailable", "The registry did not answer.");
    await start(fake);
    const input = find<HTMLInputElement>("#nhs-number");
    input.value = TEST_NHS_NUMBER;
    input.dispatchEvent(new Event("input"));
    find("#lookup-form").dispatchEvent(new Event("submit", { cancelable: true }));
    await shown("#lookup-error");
    expect(find("#lookup-error").textContent).toBe("The registry did not answer.");
  });

  it("opens a report from the history and goes back to the history", async () => {
    await withHistory();
    open(report.id);
    await shown("#report");
    expect(find("#report-body").textContent).toContain("No abnormality.");
    find("#close-report").click();
    expect(document.querySelectorAll(".history-row")).toHaveLength(2);
  });

  it("opens a study and, closed, closes it in the backend too", async () => {
    const fake = await withHistory();
    open(study.id);
    await shown("#study-screen");
    expect(fake.openStudies.has("study-1")).toBe(true);
    find("#close-study").click();
    await until(() => document.querySelector(".history-row") !== null);
    expect(fake.openStudies.size).toBe(0);
    expect(status()).toBe("");
  });

  it("shows the study's first image as a preview while the study opens, then the study in its place", async () => {
    const fake = await withHistory();
    let answer: () => void = () => undefined;
    fake.handleLater("openStudy", () => new Promise((resolve) => (answer = () => resolve(studyOf()))));
    fake.previews.set(study.id, frameOf());
    open(study.id);
    await until(() => fake.called("openStudy").length === 1);
    fake.emitPreview("another-record");
    fake.emitPreview(study.id);
    await shown("#study-preview");
    expect(fake.called("preview")).toEqual([study.id]);
    expect(find("#study-preview").textContent).toContain("not yet placed in its series");
    expect(find("#patient-banner")).toBeTruthy();
    expect(find("#new-patient")).toBeTruthy();
    expect(document.querySelector("#history")).toBeNull();
    answer();
    await shown("#study-screen");
    expect(document.querySelector("#study-preview")).toBeNull();
    expect(status()).toBe("");
  });

  it("takes the preview away and shows the history again when the study does not open", async () => {
    const fake = await withHistory();
    let fail: () => void = () => undefined;
    fake.handleLater("openStudy", () => new Promise((_, reject) => (fail = () => reject(new BackendError("network-unavailable", "The study could not be opened.")))));
    fake.previews.set(study.id, frameOf());
    open(study.id);
    await until(() => fake.called("openStudy").length === 1);
    fake.emitPreview(study.id);
    await shown("#study-preview");
    fail();
    await until(() => document.querySelector(".history-row") !== null);
    expect(document.querySelector("#study-preview")).toBeNull();
    expect(status()).toContain("The study could not be opened.");
  });

  it("draws no preview over another study opened meanwhile, and a failed open then leaves that study on screen", async () => {
    const fake = await withHistory();
    const slow = recordOf({ id: "2.999.3", description: "CT older" });
    fake.histories.set(TEST_NHS_NUMBER, historyOf([study, slow, report]));
    await withHistory(fake);
    let fail: () => void = () => undefined;
    fake.handleLater("openStudy", ({ recordId }) =>
      recordId === slow.id ? new Promise((_, reject) => (fail = () => reject(new BackendError("network-unavailable", "The older study could not be opened.")))) : Promise.resolve(studyOf()),
    );
    fake.previews.set(slow.id, frameOf());
    open(slow.id);
    await until(() => fake.called("openStudy").length === 1);
    open(study.id);
    await shown("#study-screen");
    fake.emitPreview(slow.id);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(document.querySelector("#study-preview")).toBeNull();
    fail();
    await until(() => status().includes("The older study could not be opened."));
    expect(document.querySelector("#study-screen")).not.toBeNull();
  });

  it("shows no preview that arrives after the study has opened", async () => {
    const fake = await withHistory();
    fake.previews.set(study.id, frameOf());
    open(study.id);
    await shown("#study-screen");
    fake.emitPreview(study.id);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fake.called("preview")).toEqual([]);
    expect(document.querySelector("#study-preview")).toBeNull();
  });

  it("hands retrieval progress to the study on screen, and none to a study closed", async () => {
    const fake = await withHistory();
    open(study.id);
    await shown("#study-screen");
    const done = { studyKey: "study-1", seriesKey: "", loaded: 1, total: 1, done: true, error: null, warnings: ["One image failed verification."], identityNote: null };
    fake.emitProgress(done);
    expect(find("#study-warnings").textContent).toContain("One image failed verification.");
    const screen = find("#study-screen");
    find("#close-study").click();
    await until(() => document.querySelector(".history-row") !== null);
    fake.emitProgress({ ...done, warnings: ["Late."] });
    expect(screen.textContent).not.toContain("Late.");
  });

  it("offers the study's linked report beside its images, and closing the study or the patient takes it away", async () => {
    const linked = recordOf({ id: "2.999.3", kind: "diagnosticReport", modality: null, description: "CT head report", linkedStudyId: study.id, status: "preliminary" });
    const fake = backend();
    fake.histories.set(TEST_NHS_NUMBER, historyOf([study, report, linked]));
    fake.reports.set(linked.id, reportOf({ recordId: linked.id, status: "preliminary", text: "Small subdural collection." }));
    await withHistory(fake);
    open(study.id);
    await shown("[data-action=report-beside]");
    find("[data-action=report-beside]").click();
    await until(() => (document.querySelector("#report-beside #report-body")?.textContent ?? "").includes("Small subdural collection."));
    expect(fake.called("openReport")).toEqual([{ recordId: linked.id }]);
    find("#close-study").click();
    await until(() => document.querySelector(".history-row") !== null);
    expect(document.querySelector("#report-beside")).toBeNull();

    open(study.id);
    await shown("[data-action=report-beside]");
    find("[data-action=report-beside]").click();
    await shown("#report-beside");
    fake.fail("restartPage", "page-restart");
    fake.emitSessionChanged({ state: "locked", reason: "Locked after 15 minutes without activity.", user: null });
    await shown("#locked");
    expect(document.querySelector("#report-beside")).toBeNull();
  });

  it("says when a study could not be closed in the backend", async () => {
    const fake = await withHistory();
    open(study.id);
    await shown("#study-screen");
    fake.fail("closeStudy", "internal");
    find("#close-study").click();
    await until(() => status() === STUDY_NOT_CLOSED);
  });
});

describe("app wipe", () => {
  it("closes the patient and restarts the page for another patient, holding nothing of them", async () => {
    const fake = await withHistory();
    find("#new-patient").click();
    await until(() => fake.restarts.length === 1);
    expect(fake.called("closePatient")).toHaveLength(2);
    expect(fake.patient).toBeNull();
    expect(find("#app-main").childElementCount).toBe(0);
    // Nothing of the patient is left to compare a launch with: the same patient opens again.
    fake.emitLaunch({ nhsNumber: TEST_NHS_NUMBER, from: null, to: null, needsConfirmation: false });
    await until(() => fake.called("lookup").length === 2);
  });

  it("says so, and restarts nothing, when the patient could not be closed", async () => {
    const fake = await withHistory();
    fake.fail("closePatient", "internal");
    find("#new-patient").click();
    await until(() => status() === PATIENT_NOT_CLOSED);
    expect(fake.restarts).toEqual([]);
    expect(document.querySelector("#patient-banner")).toBeNull();
    expect(document.querySelector("#lookup-form")).not.toBeNull();
  });

  it("wipes everything and shows the lock screen with its reason when the session locks", async () => {
    const fake = await withHistory();
    fake.fail("restartPage", "page-restart");
    fake.emitSessionChanged({ state: "locked", reason: "Locked after 15 minutes without activity.", user: null });
    await shown("#locked");
    expect(find("#locked").textContent).toContain("Locked after 15 minutes without activity.");
    expect(document.querySelector("#patient-banner")).toBeNull();
    expect(document.querySelector("#sign-out")).toBeNull();
  });

  it("locks at once, without waiting for the session's next look, when an answer says the session ended", async () => {
    const fake = await withHistory();
    fake.fail("restartPage", "page-restart");
    fake.fail("openReport", "token-expired", "Your session has expired. Please sign in again.");
    fake.session = { state: "locked", reason: "Your smartcard was removed.", user: null };
    open(report.id);
    await shown("#locked");
    expect(find("#locked").textContent).toContain("Your smartcard was removed.");
  });

  it("signs out: the backend signs out, and the page restarts with nothing of the patient", async () => {
    const fake = await withHistory();
    find("#sign-out").click();
    await until(() => fake.restarts.length === 1);
    expect(fake.called("signOut")).toHaveLength(1);
    expect(find("#app-main").childElementCount).toBe(0);
  });
});

describe("app launch", () => {
  it("asks before a launch replaces the patient on screen, then wipes and restarts into the new one", async () => {
    const fake = await withHistory();
    const launch = { nhsNumber: "9434765919", from: null, to: null, needsConfirmation: false };
    fake.emitLaunch(launch);
    await shown("#launch-confirm");
    expect(find("#launch-confirm-title").textContent).toBe("Open a different patient?");
    find("#launch-confirm-open").click();
    await until(() => fake.restarts.length === 1);
    expect(fake.restarts[0]).toEqual({ nhsNumber: launch.nhsNumber, from: launch.from, to: launch.to });
    expect(fake.patient).toBeNull();
  });

  it("keeps the patient on screen when the clinician says no", async () => {
    const fake = await withHistory();
    fake.emitLaunch({ nhsNumber: "9434765919", from: null, to: null, needsConfirmation: false });
    await shown("#launch-confirm");
    find("#launch-confirm-keep").click();
    await until(() => document.querySelector("#launch-confirm") === null);
    expect(fake.restarts).toEqual([]);
    expect(find("#banner-nhs-number").textContent).toBe("991 200 3888");
  });

  it("says why a launch link was refused", async () => {
    const fake = backend().signedIn();
    fake.fail("takeLaunch", "launch-not-trusted", "This link was not signed by a trusted system.");
    await start(fake);
    await shown("#launch-error");
    expect(find("#launch-error").textContent).toBe("This link was not signed by a trusted system.");
  });
});
