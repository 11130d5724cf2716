// The measurements of one viewport, kept per image. Each image (a series and an index in it)
// has its own list; one measurement at a time may be selected, and the selected one can be
// deleted. Adds and deletes are remembered per image, so undo (Ctrl+Z) takes back the last
// change on the image on screen and never one the clinician cannot see. Points are in image
// pixel coordinates, so a measurement stays on its anatomy whatever the zoom, pan or rotation.
import type { Point } from "./math/measure";

export type MeasurementKind = "length" | "angle" | "ellipse" | "bidirectional";

export interface Measurement {
  readonly id: number;
  readonly kind: MeasurementKind;
  /**
   * length: the two ends; angle: ray end, vertex, ray end; ellipse: two opposite corners of
   * its bounding box; bidirectional: the long axis' ends, then the short axis' ends.
   */
  readonly points: readonly Point[];
}

type Change = { kind: "add"; measurement: Measurement } | { kind: "delete"; measurement: Measurement; position: number };

export class MeasurementStore {
  private readonly byImage = new Map<string, Measurement[]>();
  private readonly history = new Map<string, Change[]>();
  private nextId = 1;
  private selectedId: number | null = null;
  /** Bumped on every change, so a drawing layer knows when it is stale. */
  revision = 0;

  /** The measurements made on `image`, oldest first. */
  list(image: string): readonly Measurement[] {
    return this.byImage.get(image) ?? [];
  }

  add(image: string, kind: MeasurementKind, points: readonly Point[]): Measurement {
    const measurement: Measurement = { id: this.nextId++, kind, points: points.map((p): Point => [p[0], p[1]]) };
    this.listFor(image).push(measurement);
    this.historyFor(image).push({ kind: "add", measurement });
    this.revision++;
    return measurement;
  }

  get selected(): number | null {
    return this.selectedId;
  }

  /** Selects a measurement by id, or nothing with null; an unknown id selects nothing. */
  select(id: number | null): void {
    const next = id !== null && this.imageOf(id) !== null ? id : null;
    if (next === this.selectedId) return;
    this.selectedId = next;
    this.revision++;
  }

  /** Deletes a measurement; false when there is none with that id. */
  remove(id: number): boolean {
    const image = this.imageOf(id);
    if (image === null) return false;
    const list = this.listFor(image);
    const position = list.findIndex((m) => m.id === id);
    const [measurement] = list.splice(position, 1);
    if (!measurement) return false;
    this.historyFor(image).push({ kind: "delete", measurement, position });
    if (this.selectedId === id) this.selectedId = null;
    this.revision++;
    return true;
  }

  /**
   * Deletes the selected measurement if it is on `image`: one selected on an image since
   * scrolled away from is not deleted unseen.
   */
  removeSelected(image: string): boolean {
    const id = this.selectedId;
    return id !== null && this.imageOf(id) === image && this.remove(id);
  }

  /** Takes back the last add or delete made on `image`; false when there is nothing to undo. */
  undo(image: string): boolean {
    const change = this.history.get(image)?.pop();
    if (!change) return false;
    const list = this.listFor(image);
    if (change.kind === "add") {
      const position = list.findIndex((m) => m.id === change.measurement.id);
      if (position >= 0) list.splice(position, 1);
      if (this.selectedId === change.measurement.id) this.selectedId = null;
    } else {
      list.splice(Math.min(change.position, list.length), 0, change.measurement);
    }
    this.revision++;
    return true;
  }

  /** Forgets every measurement and its history (a new series in the viewport). */
  clear(): void {
    this.byImage.clear();
    this.history.clear();
    this.selectedId = null;
    this.revision++;
  }

  private imageOf(id: number): string | null {
    for (const [image, list] of this.byImage) if (list.some((m) => m.id === id)) return image;
    return null;
  }

  private listFor(image: string): Measurement[] {
    let list = this.byImage.get(image);
    if (!list) {
      list = [];
      this.byImage.set(image, list);
    }
    return list;
  }

  private historyFor(image: string): Change[] {
    let list = this.history.get(image);
    if (!list) {
      list = [];
      this.history.set(image, list);
    }
    return list;
  }
}
