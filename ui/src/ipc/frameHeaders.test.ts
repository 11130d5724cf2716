import { describe, expect, it } from "vitest";
import { parseFrameHeaders, splitFrameBody } from "./frameHeaders";

const headers = (extra: Record<string, string>) => {
  const all: Record<string, string> = { "x-format": "u16", "x-rows": "1", "x-columns": "2", ...extra };
  return (name: string): string | null => all[name] ?? null;
};

describe("frame headers", () => {
  it("reads the VOI LUT Function, LINEAR when absent or unknown", () => {
    expect(parseFrameHeaders(headers({ "x-voi-function": "SIGMOID" })).voiFunction).toBe("SIGMOID");
    expect(parseFrameHeaders(headers({ "x-voi-function": "LINEAR_EXACT" })).voiFunction).toBe("LINEAR_EXACT");
    expect(parseFrameHeaders(headers({ "x-voi-function": "CUBIC" })).voiFunction).toBe("LINEAR");
    expect(parseFrameHeaders(headers({})).voiFunction).toBe("LINEAR");
  });

  it("splits the samples from the VOI LUT table that follows them", () => {
    const read = headers({ "x-voi-lut": "-2\\12\\3" });
    const body = new Uint16Array([7, 8, 0, 2048, 4095]).buffer;
    const { data, voiLut } = splitFrameBody(read, parseFrameHeaders(read), body);
    expect([...new Uint16Array(data)]).toEqual([7, 8]);
    expect(voiLut?.firstMapped).toBe(-2);
    expect(voiLut?.bits).toBe(12);
    expect([...(voiLut?.entries ?? [])]).toEqual([0, 2048, 4095]);
  });

  it("takes no table when the body does not hold what the header claims", () => {
    const read = headers({ "x-voi-lut": "0\\16\\70000" });
    const body = new Uint16Array([7, 8, 1]).buffer;
    const split = splitFrameBody(read, parseFrameHeaders(read), body);
    expect(split.voiLut).toBeNull();
    expect(split.data).toBe(body);
    const none = headers({});
    expect(splitFrameBody(none, parseFrameHeaders(none), body).voiLut).toBeNull();
  });
});
