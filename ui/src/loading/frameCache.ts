// Frames of one open series held by the UI: fetched on demand, the one on screen first,
// then outward from it; the prefetch follows the image on screen, so the neighbours of
// wherever the clinician scrolls to come next. The study's background retrieval is told the
// same (the image on screen and the scroll direction, once the scrolling pauses), so it
// fetches around it next. Everything is overwritten with zeros and dropped on close;
// nothing is stored anywhere else.
import type { Backend, FramePixels, ScrollDirectionView } from "../ipc/backend";

/** How long the image on screen must stay put before the retrieval is told of it. */
export const FOCUS_REPORT_DELAY_MS = 120;

export class FrameCache {
  private readonly frames = new Map<number, FramePixels>();
  private readonly pending = new Map<number, Promise<FramePixels>>();
  private generation = 0;
  private center = 0;
  private focusTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly backend: Backend,
    private readonly studyKey: string,
    private readonly seriesKey: string,
    readonly count: number,
  ) {}

  has(index: number): boolean {
    return this.frames.has(index);
  }

  peek(index: number): FramePixels | undefined {
    return this.frames.get(index);
  }

  get(index: number): Promise<FramePixels> {
    const cached = this.frames.get(index);
    if (cached) return Promise.resolve(cached);
    const inFlight = this.pending.get(index);
    if (inFlight) return inFlight;
    const generation = this.generation;
    const request = this.backend.frame(this.studyKey, this.seriesKey, index).then((frame) => {
      this.pending.delete(index);
      if (generation === this.generation) this.frames.set(index, frame);
      else zeroFrame(frame);
      return frame;
    });
    request.catch(() => this.pending.delete(index));
    this.pending.set(index, request);
    return request;
  }

  /** Moves the prefetch's centre: frames nearest `index` are fetched next. */
  focus(index: number): void {
    const direction: ScrollDirectionView = index > this.center ? "forward" : index < this.center ? "backward" : "still";
    this.center = index;
    this.reportFocus(index, direction);
  }

  /** Tells the retrieval what is on screen once the scrolling pauses (a failure is ignored: it only orders prefetching). */
  private reportFocus(index: number, direction: ScrollDirectionView): void {
    clearTimeout(this.focusTimer);
    const generation = this.generation;
    this.focusTimer = setTimeout(() => {
      if (generation !== this.generation) return;
      Promise.resolve()
        .then(() => this.backend.focusStudy(this.studyKey, this.seriesKey, index, direction))
        .catch(() => undefined);
    }, FOCUS_REPORT_DELAY_MS);
  }

  /** The index nearest the centre that is neither held, in flight nor already tried. */
  private nextToPrefetch(tried: Set<number>): number | undefined {
    const wanted = (i: number): boolean => !this.frames.has(i) && !this.pending.has(i) && !tried.has(i);
    for (let d = 0; d < this.count; d++) {
      if (this.center + d < this.count && wanted(this.center + d)) return this.center + d;
      if (this.center - d >= 0 && wanted(this.center - d)) return this.center - d;
    }
    return undefined;
  }

  /**
   * Fetches every frame, a few at a time, nearest the centre first (`center`, then wherever
   * `focus` moves it), trying each at most once.
   */
  async prefetch(center: number, concurrency = 4): Promise<void> {
    const generation = this.generation;
    this.center = center;
    this.reportFocus(center, "still");
    const tried = new Set<number>();
    const worker = async (): Promise<void> => {
      for (let next = this.nextToPrefetch(tried); next !== undefined; next = this.nextToPrefetch(tried)) {
        if (generation !== this.generation) return;
        tried.add(next);
        await this.get(next).catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /** Overwrites every held frame's pixels with zeros, drops them and stops prefetching. */
  clear(): void {
    this.generation++;
    clearTimeout(this.focusTimer);
    for (const frame of this.frames.values()) zeroFrame(frame);
    this.frames.clear();
    this.pending.clear();
  }
}

/** Overwrites a frame's pixel bytes with zeros (a detached buffer has none left to wipe). */
export function zeroFrame(frame: FramePixels): void {
  if (frame.data.byteLength > 0) new Uint8Array(frame.data).fill(0);
}
