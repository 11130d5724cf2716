import { describe, expect, it } from "vitest";
import { renderConfigurationRefused } from "./configurationRefused";

describe("configuration refused screen", () => {
  it("lists every problem as an alert and offers no sign-in", () => {
    const screen = renderConfigurationRefused([
      "nir.base_url must use https",
      "organisation.ods_code is required by NIR",
    ]);
    expect(screen.getAttribute("role")).toBe("alert");
    const items = [...screen.querySelectorAll("#configuration-problems li")].map((li) => li.textContent);
    expect(items).toEqual(["nir.base_url must use https", "organisation.ods_code is required by NIR"]);
    expect(screen.querySelector("button")).toBeNull();
    expect(screen.textContent).toContain("IT service desk");
  });
});
