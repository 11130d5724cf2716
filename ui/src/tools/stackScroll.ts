// Stack scroll by dragging: one image every 8 px of vertical movement, down for the next.
// What is left of a step is kept for the next movement, so slow drags scroll too.
export const PX_PER_IMAGE = 8;

export class DragScroll {
  private remainder = 0;

  /** How many images a vertical movement of `dy` px moves by (negative: back). */
  steps(dy: number): number {
    this.remainder += dy / PX_PER_IMAGE;
    const steps = Math.trunc(this.remainder);
    this.remainder -= steps;
    return steps;
  }
}
