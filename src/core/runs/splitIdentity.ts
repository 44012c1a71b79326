/**
 * What makes two runs' evaluations comparable user by user: the same held-out users with the same
 * held-out items, judged the same way. That is fixed by the data (the interactions file or the synthetic
 * generator, what a positive is), the split (method, n, test_fraction, cut) and its seed (data.seed, which
 * also draws the evaluation.max_users sample), the user sample size, and exclude_seen (which changes what
 * a hit is); the `started` event's dataset counts catch a data file that changed under the same path.
 * Towers, losses, sampling and training seeds may differ: those are what one compares.
 */
import type { Experiment } from '../config/schema';
import type { StartedEvent } from '../../shared/events';

export type SplitIdentity = Record<string, string>;

export function splitIdentity(config: Experiment, started?: Pick<StartedEvent, 'dataset'>): SplitIdentity {
  const out: SplitIdentity = {};
  const put = (key: string, value: unknown): void => {
    out[key] = value === undefined ? '(not set)' : JSON.stringify(value);
  };
  const data = config.data;
  put('data.interactions', data.interactions);
  put('data.synthetic', data.synthetic);
  put('data.positive', data.positive);
  put('data.split', data.split);
  put('data.seed', data.seed);
  put('evaluation.max_users', config.evaluation.max_users ?? 'all');
  put('evaluation.exclude_seen', config.evaluation.exclude_seen);
  if (started) {
    const d = started.dataset;
    put('dataset (users, items, train/test positives)', [d.users, d.items, d.trainPositives, d.testPositives]);
  }
  return out;
}

/** `key: a vs b` for every part of the split identity that differs (empty: the same split). */
export function splitDifferences(a: SplitIdentity, b: SplitIdentity): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter((k) => a[k] !== b[k]).map((k) => `${k}: ${a[k] ?? '(not known)'} vs ${b[k] ?? '(not known)'}`);
}
