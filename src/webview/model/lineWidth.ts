/**
 * How wide a series' line is drawn, in CSS pixels.
 *
 * A line with more than one point per `DENSE_SPACING_PX` pixels is drawn one device pixel wide. Without
 * a GPU (remote machines, containers, VS Code with hardware acceleration off) Chromium rasterises a
 * canvas with Skia on the CPU at the frame's commit: a polyline wider than one device pixel is stroked
 * into a polygon and filled, about 10 µs a segment, so 40 noisy lines of 1,200 points held each frame
 * for ≈ 400 ms (bench/webview-render.ts), while a one-device-pixel line takes Skia's hairline path and
 * costs next to nothing. Dense step curves read well thin (TensorBoard draws them so); sparse lines
 * (evaluations, short runs) keep their weight.
 */
export const DENSE_SPACING_PX = 4;
export const RUN_LINE_PX = 1.75;
export const BASELINE_LINE_PX = 1.5;

export function lineWidth(kind: 'run' | 'baseline', drawnPoints: number, plotWidthPx: number, pxRatio: number): number {
  const dense = drawnPoints > plotWidthPx / DENSE_SPACING_PX;
  if (dense) return 1 / Math.max(1, pxRatio);
  return kind === 'baseline' ? BASELINE_LINE_PX : RUN_LINE_PX;
}

/** Points of a drawn series that have a value: the segments the canvas strokes (gaps are spanned). */
export function valuedPoints(values: ArrayLike<number | null | undefined>): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i] != null) count++;
  return count;
}
