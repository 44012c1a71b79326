/** Bad input to the real trainer process: each gives an error that says what, where and what to do. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEventLines, type EndedEvent } from '../../src/shared/events';
import { cleanup, runTrainer, workspace } from './trainerProcess';

afterAll(cleanup);

const RUNS = '.two-tower-lab/runs';

function experiment(interactions: string, extra = { item: '', data: '' }): string {
  return `data:
  interactions:
    path: ${interactions}
    columns: { user: user_id, item: item_id, clicked: clicked, timestamp: timestamp }
${extra.data}  split: { method: leave_last_n, n: 1 }
user_tower: { id_embedding_dim: 4, mlp: { hidden: [] }, output_dim: 4 }
item_tower:
  id_embedding_dim: 4
  mlp: { hidden: [] }
  output_dim: 4
${extra.item}training: { batch_size: 2, epochs: 1, negatives: { source: in_batch } }
evaluation: { k: [1] }
`;
}

const GOOD_ROWS = 'user_id,item_id,clicked,timestamp\nu1,i1,1,1\nu1,i2,1,2\nu1,i3,1,3\nu2,i1,1,1\nu2,i2,1,2\nu2,i3,1,3\nu3,i2,1,1\nu3,i3,1,2\nu3,i1,1,3\n';

/** No run folder may exist: a config that fails validation never starts a run. */
function expectNoRun(cwd: string): void {
  expect(existsSync(path.join(cwd, RUNS)) ? readdirSync(path.join(cwd, RUNS)) : []).toEqual([]);
}

function failedRun(cwd: string): EndedEvent {
  const [runId] = readdirSync(path.join(cwd, RUNS));
  const { events } = parseEventLines(readFileSync(path.join(cwd, RUNS, runId, 'events.jsonl'), 'utf8'));
  const ended = events.at(-1);
  if (ended?.type !== 'ended') throw new Error(`the run's last event is ${ended?.type ?? 'missing'}, not ended`);
  expect(ended.status).toBe('failed');
  return ended;
}

describe('bad input', () => {
  it('missing experiment file: exit 2, says where it looked', async () => {
    const cwd = workspace();
    const r = await runTrainer(['train', 'nothere.tower.yaml'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nothere\.tower\.yaml:1:1: error .*does not exist \(looked for .*nothere\.tower\.yaml\)/);
    expectNoRun(cwd);
  });

  it('misspelled column: exit 2 at the column mapping, with the closest column', async () => {
    const cwd = workspace({ 'i.csv': GOOD_ROWS, 'x.tower.yaml': experiment('i.csv').replace('clicked: clicked', 'clicked: clikced') });
    const r = await runTrainer(['train', 'x.tower.yaml'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/x\.tower\.yaml:4:\d+: error .*no column `clikced`.*Did you mean `clicked`\?/);
    expectNoRun(cwd);
  });

  it('non-numeric value in a continuous column: the run fails naming the file and row', async () => {
    const cwd = workspace({
      'i.csv': GOOD_ROWS,
      'items.csv': 'item_id,price\ni1,3.5\ni2,abc\ni3,4\n',
      'x.tower.yaml': experiment('i.csv', { data: '  item_features: { path: items.csv, key: item_id }\n', item: '  continuous:\n    - name: price\n' }),
    });
    const r = await runTrainer(['train', 'x.tower.yaml'], cwd);
    expect(r.code).toBe(1);
    const ended = failedRun(cwd);
    expect(ended.error).toMatch(/items\.csv:3: column 'price' has "abc", expected a number/);
    expect(r.stderr).toContain(ended.error);
  });

  it('empty data: the run fails and says the file has no rows', async () => {
    const cwd = workspace({ 'i.csv': 'user_id,item_id,clicked,timestamp\n', 'x.tower.yaml': experiment('i.csv') });
    const r = await runTrainer(['train', 'x.tower.yaml'], cwd);
    expect(r.code).toBe(1);
    expect(failedRun(cwd).error).toMatch(/i\.csv: the data set is empty/);
  });

  it('no positives (nothing clicked): the run fails and says which rule found none', async () => {
    const cwd = workspace({ 'i.csv': GOOD_ROWS.replace(/,1,(\d)\n/g, ',0,$1\n'), 'x.tower.yaml': experiment('i.csv') });
    const r = await runTrainer(['train', 'x.tower.yaml'], cwd);
    expect(r.code).toBe(1);
    expect(failedRun(cwd).error).toMatch(/no positives among 9 rows under data\.positive\.rule 'clicked'/);
  });

  it('held-out items never seen in training are dropped with a note, and the run completes', async () => {
    // u1's last positive (i9) appears nowhere in training.
    const cwd = workspace({ 'i.csv': GOOD_ROWS.replace('u1,i3,1,3', 'u1,i9,1,3'), 'x.tower.yaml': experiment('i.csv') });
    const r = await runTrainer(['train', 'x.tower.yaml'], cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note: 1 held-out positives were dropped because their user or item never appears in the training split/);
    expect(r.events[0]).toMatchObject({ type: 'started', dataset: { testPositives: 2, droppedTestUnseen: 1 } });
  });

  it('unknown loss for the mode: exit 2 with the losses that fit', async () => {
    const cwd = workspace({ 'i.csv': GOOD_ROWS, 'x.tower.yaml': experiment('i.csv') });
    const r = await runTrainer(['train', 'x.tower.yaml', '--mode', 'pairwise', '--loss', 'softmax'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error .*`softmax` loss does not fit `mode: pairwise`.*`hinge` or `logistic`/);
    expectNoRun(cwd);
  });

  it('invalid config: exit 2 with every error at its line and column, and no run', async () => {
    const cwd = workspace({ 'i.csv': GOOD_ROWS, 'x.tower.yaml': experiment('i.csv').replace('batch_size: 2', 'batch_size: -3').replace('k: [1]', 'k: [0]') });
    const r = await runTrainer(['train', 'x.tower.yaml'], cwd);
    expect(r.code).toBe(2);
    // Line 11 `training: { batch_size: -3, …` column 25; line 12 `evaluation: { k: [0] }` column 19.
    expect(r.stderr).toMatch(/x\.tower\.yaml:11:25: error .*training\.batch_size.* must be ≥ 1, got -3/);
    expect(r.stderr).toMatch(/x\.tower\.yaml:12:19: error .*evaluation\.k\[0\]/);
    expectNoRun(cwd);
  });

  it('a bad --set value is an invalid config too', async () => {
    const cwd = workspace({ 'i.csv': GOOD_ROWS, 'x.tower.yaml': experiment('i.csv') });
    const r = await runTrainer(['train', 'x.tower.yaml', '--set', 'training.learning_rate=fast'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/learning_rate/);
    expectNoRun(cwd);
  });

  it('bad usage: exit 2 with what to give', async () => {
    const cwd = workspace();
    const r = await runTrainer(['train', 'x.tower.yaml', '--epochs', 'x'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--epochs takes an integer, got 'x'/);
    const r2 = await runTrainer(['frobnicate'], cwd);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
