/**
 * The real trainer, given the bad input of issue 12's attack (items 6 and 7): each error says what, where and
 * what to do, and prints nothing of a file that is not a table.
 */
import { cpSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { parseEventLines } from '../../src/shared/events';
import { cleanup, runTrainer, workspace } from './trainerProcess';

afterAll(cleanup);

const RUNS = '.two-tower-lab/runs';
const ROWS = 'user_id,item_id,clicked,timestamp\nu1,i1,1,1\nu1,i2,1,2\nu1,i3,1,3\nu2,i1,1,1\nu2,i2,1,2\nu2,i3,1,3\nu3,i2,1,1\nu3,i3,1,2\nu3,i1,1,3\n';
const experiment = (dataPath: string, extra = { data: '', item: '' }) => `data:
  interactions:
    path: ${dataPath}
    format: csv
    columns: { user: user_id, item: item_id, clicked: clicked, timestamp: timestamp }
${extra.data}  split: { method: leave_last_n, n: 1 }
user_tower: { id_embedding_dim: 4, mlp: { hidden: [] }, output_dim: 4 }
item_tower: { id_embedding_dim: 4, mlp: { hidden: [] }, output_dim: 4${extra.item} }
training: { batch_size: 2, epochs: 1, negatives: { source: in_batch } }
evaluation: { k: [1] }
`;

const runsOf = (cwd: string) => (existsSync(path.join(cwd, RUNS)) ? readdirSync(path.join(cwd, RUNS)) : []);
function endedError(cwd: string, runId: string): string {
  const { events } = parseEventLines(readFileSync(path.join(cwd, RUNS, runId, 'events.jsonl'), 'utf8'));
  const ended = events.at(-1);
  if (ended?.type !== 'ended' || ended.status !== 'failed') throw new Error(`run ${runId} did not fail`);
  return ended.error ?? '';
}

describe('bad data and config, through the real trainer', () => {
  it('a passwd file as the interactions: exit 2, "not a table", none of its lines', async () => {
    const cwd = workspace({ passwd: 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n' });
    writeFileSync(path.join(cwd, 'x.tower.yaml'), experiment('passwd'));
    const r = await runTrainer(['train', 'x.tower.yaml'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/x\.tower\.yaml:3:\d+: error data-file-unreadable: The data file `passwd` does not look like a table/);
    expect(r.stderr).not.toMatch(/root|alice|bash/);
    expect(runsOf(cwd)).toEqual([]);
  });

  it('id_embedding_dim: 200000000: exit 2 at once, the estimate and the key; no run, no "Invalid typed array length"', async () => {
    const cwd = workspace({ 'i.csv': ROWS, 'x.tower.yaml': experiment('i.csv') });
    const r = await runTrainer(['train', 'x.tower.yaml', '--set', 'user_tower.id_embedding_dim=200000000'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error model-too-large: The model is too large to build: .* The model would need ≈ \d+ GB at its peak .*Lower `user_tower\.id_embedding_dim`/);
    expect(r.stderr).not.toMatch(/Invalid typed array length/);
    expect(runsOf(cwd)).toEqual([]);
  });

  it('--set evaluation.k.7=3: one error naming the list, its length and the index', async () => {
    const cwd = workspace({ 'i.csv': ROWS, 'x.tower.yaml': experiment('i.csv') });
    const r = await runTrainer(['train', 'x.tower.yaml', '--set', 'evaluation.k.7=3'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('1 error in the experiment');
    // Line 10 is `evaluation: { k: [1] }`.
    expect(r.stderr).toMatch(/x\.tower\.yaml:10:\d+: error set-unknown-path: `--set evaluation\.k\.7=3`: `evaluation\.k` has 1 item \(index 0\) in the file, so there is no index 7/);
    expect(r.stderr).not.toMatch(/boolean undefined/);
  });

  it('a feature value of 1e308: the run fails at load time naming the feature, not a NaN loss', async () => {
    const cwd = workspace({
      'i.csv': ROWS,
      'items.csv': 'item_id,price\ni1,1e308\ni2,3\ni3,1e308\n',
      'x.tower.yaml': experiment('i.csv', { data: '  item_features: { path: items.csv, key: item_id }\n', item: ', continuous: [{ name: price }]' }),
    });
    const r = await runTrainer(['train', 'x.tower.yaml'], cwd);
    expect(r.code).toBe(1);
    const [runId] = runsOf(cwd);
    const error = endedError(cwd, runId);
    expect(error).toMatch(/items\.csv: the continuous feature 'price' \(item_tower\.continuous\[0\]\) overflows under normalize: zscore.*at line 2/);
    expect(error).not.toMatch(/NaN|learning_rate/);
  });
});

describe('resuming from a damaged checkpoint, through the real trainer', () => {
  let source: string | undefined;
  /** A completed run `r1` to copy and damage. */
  async function completedRun(): Promise<string> {
    if (source) return source;
    const cwd = workspace({ 'i.csv': ROWS, 'x.tower.yaml': experiment('i.csv') });
    const r = await runTrainer(['train', 'x.tower.yaml', '--run-id', 'r1'], cwd);
    expect(r.code).toBe(0);
    source = cwd;
    return cwd;
  }
  async function resumeDamaged(damage: (checkpoint: string) => void): Promise<{ stderr: string; error: string }> {
    const cwd = workspace();
    cpSync(path.join(await completedRun(), RUNS), path.join(cwd, RUNS), { recursive: true });
    cpSync(path.join(source!, 'i.csv'), path.join(cwd, 'i.csv'));
    damage(path.join(cwd, RUNS, 'r1', 'checkpoint'));
    const r = await runTrainer(['train', '--resume', 'r1', '--set', 'training.epochs=2'], cwd);
    expect(r.code).toBe(1);
    return { stderr: r.stderr, error: endedError(cwd, 'r1') };
  }

  it('broken JSON in state.json: names the file', async () => {
    const { error, stderr } = await resumeDamaged((dir) => writeFileSync(path.join(dir, 'state.json'), '{bad'));
    expect(error).toMatch(/checkpoint\/state\.json: is not valid JSON .*The checkpoint is damaged.*Start a fresh run/);
    expect(stderr).toContain(error);
  });

  it('an odd-sized weights.bin: the file, the bytes expected and found', async () => {
    const { error } = await resumeDamaged((dir) => truncateSync(path.join(dir, 'weights.bin'), 101));
    expect(error).toMatch(/checkpoint\/weights\.bin: holds 101 bytes, but .*model\.json describes \d+ weights of \d+ float32 values, which take \d+ bytes/);
    expect(error).not.toMatch(/offset is out of bounds/);
  });

  it('a state without its RNG: names rng', async () => {
    const { error } = await resumeDamaged((dir) => {
      const file = path.join(dir, 'state.json');
      const state = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      state.rng = {};
      writeFileSync(file, JSON.stringify(state));
    });
    expect(error).toMatch(/checkpoint\/state\.json: `rng\.shuffle` is missing/);
    expect(error).not.toMatch(/Cannot convert undefined or null to object/);
  });
});
