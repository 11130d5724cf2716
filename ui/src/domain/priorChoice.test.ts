import { describe, expect, it } from "vitest";
import { recordOf } from "../ipc/fixtures";
import { bodyPartsOf, priorsInMenuOrder, suggestedPrior } from "./priorChoice";

const current = recordOf({ id: "now", date: "2025-03-01", modality: "CT", description: "CT Chest Abdomen Pelvis with contrast" });

describe("the suggested prior", () => {
  it("reads body parts from the description", () => {
    expect([...bodyPartsOf("CT Chest Abdomen Pelvis with contrast")].sort()).toEqual(["abdomen", "chest", "pelvis"]);
    expect([...bodyPartsOf("MR Brain/Head w/o")]).toEqual(["head"]);
    expect(bodyPartsOf("Outside study").size).toBe(0);
  });

  it("is the most recent earlier study of the same modality and body part", () => {
    const priors = [
      recordOf({ id: "old-chest", date: "2020-01-01", modality: "CT", description: "CT Chest" }),
      recordOf({ id: "head", date: "2024-12-01", modality: "CT", description: "CT Head" }),
      recordOf({ id: "chest", date: "2023-06-01", modality: "CT", description: "CT Thorax" }),
      recordOf({ id: "mr-chest", date: "2025-01-01", modality: "MR", description: "MR Chest" }),
      recordOf({ id: "later", date: "2025-06-01", modality: "CT", description: "CT Chest" }),
    ];
    expect(suggestedPrior(current, priors)?.id).toBe("chest");
  });

  it("falls back to the most recent of the same modality, and to none without one", () => {
    const priors = [
      recordOf({ id: "head", date: "2024-12-01", modality: "CT", description: "CT Head" }),
      recordOf({ id: "neck", date: "2022-12-01", modality: "CT", description: "CT Neck" }),
      recordOf({ id: "undated", date: null, modality: "CT", description: "CT Chest" }),
    ];
    expect(suggestedPrior(current, priors)?.id).toBe("head");
    expect(suggestedPrior(current, [recordOf({ id: "us", date: "2024-01-01", modality: "US", description: "US Abdomen" })])).toBeNull();
    expect(suggestedPrior({ ...current, modality: null }, priors)).toBeNull();
  });

  it("treats modality names alike and takes any dated study when the current has no date", () => {
    const mr = recordOf({ id: "now", date: null, modality: "MRI", description: "MRI Head" });
    const priors = [recordOf({ id: "a", date: "2019-01-01", modality: "MR", description: "MR Brain" }), recordOf({ id: "b", date: "2021-01-01", modality: "mr", description: "MR Knee" })];
    expect(suggestedPrior(mr, priors)?.id).toBe("a");
  });

  it("puts the suggestion first in the menu and keeps the rest in order", () => {
    const a = recordOf({ id: "a" });
    const b = recordOf({ id: "b" });
    const c = recordOf({ id: "c" });
    expect(priorsInMenuOrder([a, b, c], b).map((r) => r.id)).toEqual(["b", "a", "c"]);
    expect(priorsInMenuOrder([a, b, c], null).map((r) => r.id)).toEqual(["a", "b", "c"]);
  });
});
