/**
 * Aligns series that each have their own x values onto one shared, ascending x array, which is the
 * data shape uPlot draws and syncs cursors on. A series has `null` where it has no point at an x.
 */
export interface XYSeries {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

export interface AlignedSeries {
  x: number[];
  ys: (number | null)[][];
}

/** Whether `a` is `b` or its beginning (a live run that has logged fewer of the same steps). */
function prefixOf(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a === b) return true;
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Non-finite y values (NaN, ±Infinity) become null: uPlot draws a gap there. Each x must ascend. */
export function alignSeries(series: XYSeries[]): AlignedSeries {
  if (series.length === 0) return { x: [], ys: [] };
  // Runs of one comparison usually log the same steps (live ones up to different points): skip the merge then.
  // Plain loops, not Array.from with a map function, which is several times slower in V8.
  const longest = series.reduce((a, s) => (s.x.length > a.x.length ? s : a), series[0]).x;
  if (series.every((s) => prefixOf(s.x, longest))) {
    const x = new Array<number>(longest.length);
    for (let i = 0; i < longest.length; i++) x[i] = longest[i];
    // One pass, and no null written where a series has a value: V8 then keeps a complete series' numbers
    // unboxed, while an array that ever held a null stores each number as a heap object of its own.
    const ys = series.map((s) => {
      const y = new Array<number | null>(longest.length);
      for (let i = 0; i < s.y.length; i++) {
        const v = s.y[i];
        y[i] = Number.isFinite(v) ? v : null;
      }
      for (let i = s.y.length; i < longest.length; i++) y[i] = null;
      return y;
    });
    return { x, ys };
  }
  let total = 0;
  for (const s of series) total += s.x.length;
  const all = new Float64Array(total);
  let offset = 0;
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) all[offset++] = s.x[i];
  }
  all.sort();
  const x: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) x.push(all[i]);
  const ys = series.map((s) => {
    const y = new Array<number | null>(x.length).fill(null);
    let j = 0;
    for (let i = 0; i < s.x.length; i++) {
      while (x[j] < s.x[i]) j++;
      const v = s.y[i];
      y[j] = Number.isFinite(v) ? v : null;
    }
    return y;
  });
  return { x, ys };
}
