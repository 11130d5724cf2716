// Frames of one open series held by the UI: fetched on demand, the one on screen first,
// then outward from it. Everything is overwritten with zeros and dropped on close; nothing is
// stored anywhere else.
import type { Backend, FramePixels } from "../ipc/backend";

export class FrameCache {
  private readonly frames = new Map<number, FramePixels>();
  private readonly pending = new Map<number, Promise<FramePixels>>();
  private generation = 0;

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

  /** Indices to prefetch around `center`, nearest first. */
  static outwardOrder(center: number, count: number): number[] {
    const order: number[] = [];
    for (let d = 1; order.length < count - 1 && d < count; d++) {
      if (center + d < count) order.push(center + d);
      if (center - d >= 0) order.push(center - d);
    }
    return order;
  }

  /** Fetches the frames around `center`, a few at a time, until all are held. */
  async prefetch(center: number, concurrency = 4): Promise<void> {
    const generation = this.generation;
    const queue = FrameCache.outwardOrder(center, this.count).filter((i) => !this.frames.has(i));
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        if (generation !== this.generation) return;
        await this.get(next).catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /** Overwrites every held frame's pixels with zeros, drops them and stops prefetching. */
  clear(): void {
    this.generation++;
    for (const frame of this.frames.values()) zeroFrame(frame);
    this.frames.clear();
    this.pending.clear();
  }
}

/** Overwrites a frame's pixel bytes with zeros (a detached buffer has none left to wipe). */
export function zeroFrame(frame: FramePixels): void {
  if (frame.data.byteLength > 0) new Uint8Array(frame.data).fill(0);
}
