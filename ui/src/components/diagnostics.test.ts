import { describe, expect, it } from "vitest";
import type { DiagnosticsView, Histogram } from "../ipc/backend";
import { exportLine, formatBytes, formatLatency, renderDiagnostics } from "./diagnostics";

const empty: Histogram = { count: 0, sumMs: 0, maxMs: 0, buckets: [] };

function view(extra: Partial<DiagnosticsView> = {}): DiagnosticsView {
  return {
    version: "1.2.3",
    metrics: {
      startUnixNanos: 0,
      nowUnixNanos: 1,
      series: [
        { stage: "discovery", target: "The National Imaging Registry", requests: 3, errors: 1, retries: 2, bytes: 2048, latency: { count: 3, sumMs: 300, maxMs: 150, buckets: [] }, firstImage: empty },
        { stage: "network", target: "South Imaging Network", requests: 1, errors: 1, retries: 0, bytes: 0, latency: empty, firstImage: empty },
        { stage: "retrieval", target: "127.0.0.1:8042", requests: 5, errors: 0, retries: 0, bytes: 5 * 1024 * 1024, latency: { count: 5, sumMs: 50, maxMs: 20, buckets: [] }, firstImage: { count: 1, sumMs: 420, maxMs: 420, buckets: [] } },
      ],
    },
    export: null,
    ...extra,
  };
}

describe("diagnostics page", () => {
  it("formats bytes and latency", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.0 MiB");
    expect(formatLatency(empty)).toBe("–");
    expect(formatLatency({ count: 2, sumMs: 30, maxMs: 20, buckets: [] })).toBe("15 ms mean, 20 ms max");
  });

  it("shows one row per series with its counts", () => {
    const page = renderDiagnostics(view(), () => undefined);
    const rows = [...page.querySelectorAll("tbody tr")].map((r) => [...r.querySelectorAll("td")].map((c) => c.textContent));
    expect(rows[0]).toEqual(["Registry", "The National Imaging Registry", "3", "1", "2", "2.0 KiB", "100 ms mean, 150 ms max", "–"]);
    expect(rows[1]?.[0]).toBe("Imaging network (discovery)");
    expect(rows[2]?.[7]).toBe("420 ms mean, 420 ms max");
  });

  it("says whether and how metrics are exported", () => {
    expect(exportLine(view())).toContain("not exported");
    const line = exportLine(view({ export: { collector: "otel:4318", sent: 4, failed: 1, lastError: "the collector answered 503" } }));
    expect(line).toBe("Exported to otel:4318: 4 sent, 1 failed. Last failure: the collector answered 503.");
  });

  it("closes", () => {
    let closed = false;
    renderDiagnostics(view(), () => (closed = true)).querySelector<HTMLButtonElement>("#close-diagnostics")?.click();
    expect(closed).toBe(true);
  });
});
