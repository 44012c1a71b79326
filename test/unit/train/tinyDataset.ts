/** The tiny data set of the loop tests: every user likes three items of a pattern and holds out a fourth. */
import type { Dataset } from '../../../src/core/data/dataset';
import { vocabularyOf } from '../../../src/core/data/vocabulary';

/** 12 users × 10 items: user u likes items (u mod 5)+1, +5 and the next one; a fourth is held out. */
export function tinyDataset(): Dataset {
  const users = vocabularyOf(Array.from({ length: 12 }, (_, i) => `u${i}`));
  const items = vocabularyOf(Array.from({ length: 10 }, (_, i) => `i${i}`));
  const tu: number[] = [];
  const ti: number[] = [];
  const su: number[] = [];
  const si: number[] = [];
  for (let u = 1; u <= 12; u++) {
    const a = (u % 5) + 1;
    for (const it of [a, a + 5, ((a + 1) % 10) + 1]) {
      tu.push(u);
      ti.push(it);
    }
    su.push(u);
    si.push(((a + 3) % 10) + 1);
  }
  const itemClicks = new Float64Array(items.size);
  for (const it of ti) itemClicks[it]++;
  return {
    users,
    items,
    userFeatures: { categorical: [], continuous: [] },
    itemFeatures: { categorical: [], continuous: [] },
    train: { users: Int32Array.from(tu), items: Int32Array.from(ti) },
    test: { users: Int32Array.from(su), items: Int32Array.from(si) },
    itemClicks,
    stats: { rows: 48, positives: 36, impressedNotClicked: 0, droppedTestUnseen: 0, source: 'test' },
  };
}
