import { describe, expect, it } from "vitest";
import { renderBanner } from "./banner";

const patient = { nhsNumber: "991 200 3888", name: "TRAINING, Alex", birthDate: "14-Feb-1958", sex: "Female" };

describe("patient banner", () => {
  it("shows name, NHS number, date of birth, sex and the training marker", () => {
    const banner = renderBanner(patient, { training: true, mismatch: null, checking: false });
    expect(banner.querySelector("#banner-name")?.textContent).toBe("TRAINING, Alex");
    expect(banner.querySelector("#banner-nhs-number")?.textContent).toBe("991 200 3888");
    expect(banner.querySelector("#banner-birth-date")?.textContent).toBe("14-Feb-1958");
    expect(banner.querySelector("#banner-sex")?.textContent).toBe("Female");
    expect(banner.querySelector("#banner-training")?.textContent).toBe("TRAINING");
    expect(banner.querySelector("[role=alert]")).toBeNull();
    expect(banner.dataset["identity"]).toBe("checked");
  });

  it("keeps each label with its value, so a banner wrapped at large text never parts them", () => {
    const banner = renderBanner(patient, { training: true, mismatch: null, checking: false });
    const groups = [...banner.querySelectorAll(".banner-fields > .banner-field")];
    expect(groups.map((g) => [g.querySelector("dt")?.textContent, g.querySelector("dd")?.id])).toEqual([
      ["Name", "banner-name"],
      ["NHS number", "banner-nhs-number"],
      ["Born", "banner-birth-date"],
      ["Sex", "banner-sex"],
    ]);
    // A dl may hold its label and value groups in divs (HTML, the dl element): nothing else.
    expect([...banner.querySelectorAll(".banner-fields > *")].every((child) => child.tagName === "DIV")).toBe(true);
  });

  it("says when the images disagree, as an alert", () => {
    const banner = renderBanner(patient, { training: false, mismatch: "Identity check: images differ.", checking: false });
    expect(banner.querySelector("[role=alert]")?.textContent).toBe("Identity check: images differ.");
    expect(banner.querySelector("#banner-training")).toBeNull();
  });

  it("says the demographics are being read, then that the images hold none", () => {
    const bare = { nhsNumber: "991 200 3888", name: null, birthDate: null, sex: null };
    const checking = renderBanner(bare, { training: false, mismatch: null, checking: true });
    expect(checking.querySelector("#banner-name")?.textContent).toMatch(/checking/);
    expect(checking.dataset["identity"]).toBe("checking");
    const done = renderBanner(bare, { training: false, mismatch: null, checking: false });
    expect(done.querySelector("#banner-name")?.textContent).toBe("Name not in the images");
    expect(done.querySelector("#banner-sex")?.textContent).toBe("not in the images");
  });
});
