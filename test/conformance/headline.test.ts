import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { headlineMetric } from '../../src/shared/headline';
import { PYTHON, pythonEnv } from './python';

/** Both engines judge a run on the same metric (ended.best, early stopping, the best checkpoint). */
describe('the headline metric: TS and Python agree', () => {
  it('for every kind of evaluation.k and early-stopping metric', () => {
    const cases: { k: number[]; metric?: string }[] = [{ k: [10, 50, 100] }, { k: [10, 20] }, { k: [5] }, { k: [200, 500] }, { k: [100, 150] }, { k: [10, 50], metric: 'ndcg@10' }];
    const script = `import json, sys\nfrom two_tower_lab.config import headline_metric\nfor c in json.loads(sys.argv[1]):\n    es = {"metric": c["metric"]} if "metric" in c else None\n    print(headline_metric({"training": {"early_stopping": es}, "evaluation": {"k": c["k"]}}))`;
    const r = spawnSync(PYTHON, ['-c', script, JSON.stringify(cases)], { encoding: 'utf8', env: pythonEnv() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(cases.map((c) => headlineMetric(c.k, c.metric)));
    expect(r.stdout.trim().split('\n')).toEqual(['recall@50', 'recall@20', 'recall@5', 'recall@200', 'recall@100', 'ndcg@10']);
  });
});
