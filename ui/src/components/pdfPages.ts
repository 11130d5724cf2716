// Draws a report PDF into canvases with pdf.js, fetched from the in-memory report endpoint.
// The document never becomes a file or a download.
import * as pdfjs from "pdfjs-dist/legacy/build/pdf.mjs";
import workerUrl from "pdfjs-dist/legacy/build/pdf.worker.mjs?url";
import { el } from "./dom";

pdfjs.GlobalWorkerOptions.workerSrc = workerUrl;

export async function renderPdfPages(url: string, container: HTMLElement): Promise<void> {
  try {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) throw new Error(`status ${response.status}`);
    const data = new Uint8Array(await response.arrayBuffer());
    // pdf.js 5 and later never evaluate code generated from the document (the old
    // `isEvalSupported` switch is gone with the code path it guarded).
    const pdf = await pdfjs.getDocument({ data }).promise;
    for (let number = 1; number <= pdf.numPages; number++) {
      const page = await pdf.getPage(number);
      const viewport = page.getViewport({ scale: 1.25 });
      const canvas = el("canvas", { class: "pdf-page", width: String(viewport.width), height: String(viewport.height) });
      container.append(canvas);
      await page.render({ canvas, viewport }).promise;
    }
    // pdf.js may have moved the bytes to its worker (the array is then detached and empty);
    // otherwise they are still here, and are overwritten.
    if (data.byteLength > 0) data.fill(0);
  } catch {
    container.replaceChildren(el("p", { class: "error" }, "The report's PDF could not be shown. The text above is the full report."));
  }
}
