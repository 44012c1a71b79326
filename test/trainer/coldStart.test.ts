/** `evaluation.cold_start` in a real run: a time split where new items appear after the cut. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEventLines, type EvalEvent, type StartedEvent } from '../../src/shared/events';
import { cleanup, runTrainer, workspace } from './trainerProcess';

afterAll(cleanup);

/** 30 users click warm items before t = 1000; after it each clicks one of 5 new items of its segment's category. */
function files(coldStart: string, engine = ''): Record<string, string> {
  const rows = ['user_id,item_id,timestamp,clicked'];
  const items = ['item_id,category'];
  for (let i = 0; i < 20; i++) items.push(`w${i},k${i % 5}`);
  for (let i = 0; i < 5; i++) items.push(`new${i},k${i}`);
  for (let u = 0; u < 30; u++) {
    for (let j = 0; j < 8; j++) rows.push(`u${u},w${(u + j * 5) % 20},${u * 10 + j},1`);
    rows.push(`u${u},new${u % 5},2000,1`);
  }
  return {
    'interactions.csv': `${rows.join('\n')}\n`,
    'items.csv': `${items.join('\n')}\n`,
    'cold.tower.yaml': `name: cold
data:
  interactions: { path: interactions.csv }
  item_features: { path: items.csv, key: item_id }
  positive: { rule: clicked }
  split: { method: time_cut, cut: 1000 }
user_tower: { id_embedding_dim: 8, mlp: { hidden: [8] }, output_dim: 8 }
item_tower: { id_embedding_dim: 8, categorical: [{ name: category, embedding_dim: 4 }], mlp: { hidden: [8] }, output_dim: 8 }
training: { mode: listwise, loss: softmax, negatives: { source: in_batch }, batch_size: 16, epochs: 1, seed: 3${engine} }
evaluation: { k: [5], cold_start: ${coldStart} }
`,
  };
}

function events(cwd: string) {
  return parseEventLines(readFileSync(path.join(cwd, '.two-tower-lab', 'runs', 'r1', 'events.jsonl'), 'utf8')).events;
}

describe('evaluation.cold_start', () => {
  it('score keeps the new items\' held-out positives and reports recall_cold@K, exact and through the index', async () => {
    const cwd = workspace(files('score'));
    const r = await runTrainer(['train', 'cold.tower.yaml', '--run-id', 'r1', '--events-stdout', 'off'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const started = events(cwd).find((e): e is StartedEvent => e.type === 'started')!;
    expect(started.dataset.testPositives).toBe(30);
    expect(started.dataset.droppedTestUnseen ?? 0).toBe(0);
    const ev = events(cwd).find((e): e is EvalEvent => e.type === 'eval')!;
    expect(ev.metrics['recall_cold@5']).toBeGreaterThanOrEqual(0);
    expect(ev.metrics['ann/recall_cold@5']).toBeGreaterThanOrEqual(0);
    // Every held-out positive is of a cold item here: the cold recall is the recall.
    expect(ev.metrics['recall_cold@5']).toBeCloseTo(ev.metrics['recall@5'], 12);
    expect(r.stderr).toMatch(/recall_cold@5/);
  }, 60_000);

  it('drop (the default) drops them: no held-out positive is left, and the run says so', async () => {
    const cwd = workspace(files('drop'));
    const r = await runTrainer(['train', 'cold.tower.yaml', '--run-id', 'r1', '--events-stdout', 'off'], cwd);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no held-out positives/);
  }, 60_000);

  it('score with the torch engine is refused before anything runs (exit 2)', async () => {
    const cwd = workspace(files('score', ', engine: torch'));
    const r = await runTrainer(['train', 'cold.tower.yaml', '--run-id', 'r1'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cold_start: score.*torch engine does not yet.*engine: tfjs/);
  }, 60_000);
});
