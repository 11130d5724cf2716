// The viewport's tools and which one a drag uses: the primary button drags with the tool
// picked, the right button always windows and the middle button always pans.
import type { MeasurementKind } from "./measurements";

export type Tool = "scroll" | "window" | "zoom" | "pan" | "length" | "angle" | "ellipse" | "bidirectional" | "probe";

const MEASURING: readonly Tool[] = ["length", "angle", "ellipse", "bidirectional"];

export const isMeasuring = (tool: Tool): tool is Tool & MeasurementKind => MEASURING.includes(tool);

/** The tool a drag with mouse `button` (0 primary, 1 middle, 2 right) uses. */
export function dragTool(button: number, picked: Tool): Tool {
  if (button === 2) return "window";
  if (button === 1) return "pan";
  return picked;
}
