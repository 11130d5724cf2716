import { describe, expect, it, vi } from "vitest";
import type { StudyScreen } from "../components/studyView";
import { historyOf, recordOf } from "../ipc/fixtures";
import { PatientState } from "./patient";
import { StudyState } from "./study";

describe("patient state", () => {
  it("forgets the history, period and identity check on reset", () => {
    const patient = new PatientState();
    patient.show(historyOf([]), { from: "2024-01-01", to: null });
    patient.identityUnreadable();
    expect(patient.nhsNumber).toBe("9912003888");
    patient.reset();
    expect([patient.history, patient.period, patient.mismatch, patient.checkingIdentity, patient.nhsNumber]).toEqual([null, null, null, false, undefined]);
  });

  it("offers as priors the other openable studies only", () => {
    const patient = new PatientState();
    const open = recordOf({ id: "a" });
    const records = [open, recordOf({ id: "b" }), recordOf({ id: "c", openable: false }), recordOf({ id: "d", kind: "diagnosticReport" })];
    patient.show(historyOf(records), null);
    expect(patient.priorsOf(open).map((r) => r.id)).toEqual(["b"]);
  });

  it("gives a study's linked reports, newest first, and none once the patient is reset", () => {
    const patient = new PatientState();
    const study = recordOf({ id: "a" });
    const older = recordOf({ id: "r1", kind: "diagnosticReport", date: "2024-03-13", linkedStudyId: "a" });
    const newer = recordOf({ id: "r2", kind: "mdtOutcome", date: "2024-03-20", linkedStudyId: "a" });
    patient.show(historyOf([study, older, newer, recordOf({ id: "r3", kind: "diagnosticReport", linkedStudyId: "b" })]), null);
    expect(patient.reportsOf(study).map((r) => r.id)).toEqual(["r2", "r1"]);
    patient.reset();
    expect(patient.reportsOf(study)).toEqual([]);
  });
});

describe("study state", () => {
  it("destroys the study it holds on reset, and when another takes its place", () => {
    const screen = (): StudyScreen => ({ destroy: vi.fn() }) as unknown as StudyScreen;
    const study = new StudyState();
    const first = screen();
    const second = screen();
    study.hold(first);
    study.hold(second);
    expect(first.destroy).toHaveBeenCalledTimes(1);
    study.reset();
    expect(second.destroy).toHaveBeenCalledTimes(1);
    expect(study.open).toBeNull();
  });

  it("gives a screen the progress its study made before the screen was held, and no other study's", () => {
    const study = new StudyState();
    const progress = (studyKey: string, done: boolean) => ({ studyKey, seriesKey: done ? "" : "s1", loaded: 1, total: 1, done, error: null, warnings: [], identityNote: done ? "matched in Other Patient IDs" : null });
    study.onProgress(progress("other", true));
    study.onProgress(progress("st", false));
    study.onProgress(progress("st", true));
    const onProgress = vi.fn();
    study.hold({ destroy: vi.fn(), onProgress, studyKey: "st" } as unknown as StudyScreen);
    expect(onProgress.mock.calls.map(([p]) => [p.studyKey, p.done])).toEqual([["st", false], ["st", true]]);
    // Once held, events go straight to the screen, and nothing kept is given twice.
    study.onProgress(progress("st", true));
    expect(onProgress).toHaveBeenCalledTimes(3);
    study.hold({ destroy: vi.fn(), onProgress: vi.fn(), studyKey: "st" } as unknown as StudyScreen);
    expect(onProgress).toHaveBeenCalledTimes(3);
  });
});
