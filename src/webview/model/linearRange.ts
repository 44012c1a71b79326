/**
 * The y range and labels of a chart on a linear axis: the data's span cut into about 2 to 5 steps of 1,
 * 2 or 5 × 10^n, the range running from a label to a label. uPlot's own choice keeps ≥ 30 px between labels
 * and snaps the range to the data, so on a 100 px plot a throughput of 6k–14k got the one label 10,000:
 * a chart whose scale cannot be read. Here every chart has at least two labels, and every value lies
 * between the first and the last.
 */
const STEPS = [1, 2, 5];

/** The smallest step of 1, 2 or 5 × 10^n that is ≥ `at_least`. */
function niceStep(atLeast: number): number {
  const base = 10 ** Math.floor(Math.log10(atLeast));
  for (const m of STEPS) if (m * base >= atLeast * (1 - 1e-12)) return m * base;
  return 10 * base;
}

/** The step's multiple nearest `x`, without the float residue of `k * step`. */
function onStep(k: number, step: number): number {
  return Number((k * step).toPrecision(12));
}

export function linearTicks(min: number | null, max: number | null): { range: [number, number]; ticks: number[] } {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return { range: [0, 1], ticks: [0, 0.5, 1] };
  if (max < min) [min, max] = [max, min];
  // A flat series gets a span around its value (or around 0), so that it is drawn mid-chart with labels.
  const span = max > min ? max - min : Math.abs(max) > 0 ? Math.abs(max) / 5 : 1;
  // At least span / 3: from about 2 to 5 steps, so labels stay ≥ 20 px apart on the shortest plot.
  const step = niceStep(span / 3);
  let lo = Math.floor(min / step);
  let hi = Math.ceil(max / step);
  if (hi === lo) {
    lo -= 1;
    hi += 1;
  }
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k++) ticks.push(onStep(k, step));
  return { range: [onStep(lo, step), onStep(hi, step)], ticks };
}
