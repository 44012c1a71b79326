/**
 * The evaluation split of the positives, seeded. `random`: a shuffled share `test_fraction` is held out.
 * `leave_last_n`: each user's last n positives by time are held out, only for users with more than n
 * (the others keep all theirs for training). `time_cut`: positives strictly after the cut time are
 * held out; a cut in (0, 1) is the quantile q of the positives' times (cut = t_(⌈q·P⌉), 1-based
 * order statistic); no cut means the 0.8 quantile.
 */
import { DataError } from './errors';
import type { Interactions } from './interactions';
import type { Rng } from '../util/rng';

export interface SplitConfig {
  method: 'random' | 'leave_last_n' | 'time_cut';
  test_fraction: number;
  n: number;
  cut?: number | string;
}

/** For each positive (index into `positiveRows`), 1 when it is held out for testing. */
export function splitPositives(data: Interactions, positiveRows: Int32Array, split: SplitConfig, rng: Rng, timestampKey: string): Uint8Array {
  const P = positiveRows.length;
  const isTest = new Uint8Array(P);
  if (split.method === 'random') {
    const order = new Int32Array(P);
    for (let i = 0; i < P; i++) order[i] = i;
    rng.shuffle(order);
    const testCount = Math.round(P * split.test_fraction);
    for (let k = 0; k < testCount; k++) isTest[order[k]] = 1;
    return isTest;
  }
  const t = data.timestamp;
  if (!t) {
    throw new DataError(
      `${data.file}: split method '${split.method}' orders positives by time, but no timestamp column is mapped. Set ${timestampKey} to the time column, or use split method 'random'.`,
      { file: data.file },
    );
  }
  if (split.method === 'leave_last_n') {
    // Sort positives by (user, time, row) so each user's last n are the tail of its run.
    const order = Array.from({ length: P }, (_, i) => i);
    order.sort((a, b) => data.user[positiveRows[a]] - data.user[positiveRows[b]] || t[positiveRows[a]] - t[positiveRows[b]] || a - b);
    let start = 0;
    while (start < P) {
      const u = data.user[positiveRows[order[start]]];
      let end = start;
      while (end < P && data.user[positiveRows[order[end]]] === u) end++;
      if (end - start > split.n) for (let k = end - split.n; k < end; k++) isTest[order[k]] = 1;
      start = end;
    }
    return isTest;
  }
  const cut = cutTime(data, positiveRows, split.cut ?? 0.8);
  for (let i = 0; i < P; i++) if (t[positiveRows[i]] > cut) isTest[i] = 1;
  return isTest;
}

function cutTime(data: Interactions, positiveRows: Int32Array, cut: number | string): number {
  if (typeof cut === 'string') {
    const asNumber = Number(cut);
    if (!Number.isNaN(asNumber) && cut.trim() !== '') return cutTime(data, positiveRows, asNumber);
    const ms = Date.parse(cut);
    if (Number.isNaN(ms)) {
      throw new DataError(`data.split.cut is '${cut}', which is neither a number nor an ISO date. Give a time in the data's unit, an ISO date like 2018-01-01, or a quantile in (0, 1).`, {
        file: data.file,
      });
    }
    return ms / 1000;
  }
  if (cut > 0 && cut < 1) {
    const times = new Float64Array(positiveRows.length);
    for (let i = 0; i < positiveRows.length; i++) times[i] = data.timestamp![positiveRows[i]];
    times.sort();
    return times[Math.max(0, Math.ceil(cut * times.length) - 1)];
  }
  return cut;
}
