/**
 * The y range of a chart on a log10 axis: whole decades around the data, [10^⌊log10 min⌋, 10^⌈log10 max⌉],
 * so that every drawn value is inside, the labels sit on powers of ten, and the range does not depend on
 * how close the data happen to lie to a decade (uPlot's own log range snaps to the data's leading digit,
 * which cut values off when they spread within one decade).
 */
export function logDecadeRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max) || max <= 0) return [1, 10];
  // Only positive values can be drawn on a log axis.
  const low = min > 0 ? min : max;
  const bottom = Math.floor(Math.log10(low));
  let top = Math.ceil(Math.log10(max));
  if (top <= bottom) top = bottom + 1;
  return [10 ** bottom, 10 ** top];
}
