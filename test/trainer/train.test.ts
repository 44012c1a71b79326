/** The real trainer process: a run end to end, its folder, resume, SIGTERM, kill -9, NaN, eval/export/generate. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPerUserEval } from '../../src/core/eval/perUser';
import { loadCheckpoint } from '../../src/core/train/checkpoint';
import { parseEventLines, type EndedEvent, type EpochEvent, type EvalEvent, type TrainerEvent } from '../../src/shared/events';
import { cleanup, runTrainer, startTrainer, tinySynthetic, workspace } from './trainerProcess';

afterAll(cleanup);

const RUNS = '.two-tower-lab/runs';
const onlyRun = (cwd: string): string => {
  const runs = readdirSync(path.join(cwd, RUNS));
  expect(runs).toHaveLength(1);
  return runs[0];
};
const fileEvents = (cwd: string, runId: string): TrainerEvent[] => parseEventLines(readFileSync(path.join(cwd, RUNS, runId, 'events.jsonl'), 'utf8')).events;
const epochLosses = (events: TrainerEvent[]): number[] => events.filter((e): e is EpochEvent => e.type === 'epoch').map((e) => e.loss);
const evalMetrics = (events: TrainerEvent[]): Record<string, number>[] => events.filter((e): e is EvalEvent => e.type === 'eval').map((e) => e.metrics);
const ended = (events: TrainerEvent[]): EndedEvent | undefined => events.filter((e): e is EndedEvent => e.type === 'ended').at(-1);

describe('two-tower-lab train', () => {
  it('records the name given with --name and what the run changes from its file in meta.json (the tree labels runs by them)', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const r = await runTrainer(['train', 'tiny.tower.yaml', '--name', 'short lr test', '--epochs', '1', '--set', 'training.learning_rate=0.02'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(path.join(cwd, RUNS, onlyRun(cwd), 'meta.json'), 'utf8')) as unknown;
    expect(meta).toEqual({ name: 'short lr test', changed: { 'training.learning_rate': 0.02, 'training.epochs': 1 } });
    // The file as it is: nothing changed, no name.
    const plain = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    expect((await runTrainer(['train', 'tiny.tower.yaml'], plain)).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(plain, RUNS, onlyRun(plain), 'meta.json'), 'utf8'))).toEqual({ changed: {} });
    // A name that cannot be one is a usage error (exit 2), before any run folder exists.
    const bad = await runTrainer(['train', 'tiny.tower.yaml', '--name', ' '], plain);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--name: A run name cannot be empty.');
  });

  it('trains, fills the run folder, mirrors the events on stdout and prints the table', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const r = await runTrainer(['train', 'tiny.tower.yaml', '--set', 'training.epochs=1'], cwd);
    expect(r.stderr).toContain('popularity');
    expect(r.code).toBe(0);
    const runId = onlyRun(cwd);
    expect(runId).toMatch(/^tiny-\d{8}-\d{6}-[0-9a-f]{4}$/);
    const events = fileEvents(cwd, runId);
    expect(r.events).toEqual(events);
    expect(events[0]).toMatchObject({ type: 'started', mode: 'listwise', loss: 'softmax', epochs: 1 });
    expect(ended(events)).toMatchObject({ status: 'completed', epoch: 1 });
    const dir = path.join(cwd, RUNS, runId);
    // The resolved config records the override and the defaults.
    const config = readFileSync(path.join(dir, 'config.yaml'), 'utf8');
    expect(config).toMatch(/epochs: 1\b/);
    expect(config).toMatch(/optimizer: adam/);
    expect(loadCheckpoint(path.join(dir, 'checkpoint'))?.state.epoch).toBe(1);
    const ids = JSON.parse(readFileSync(path.join(dir, 'embeddings', 'items.ids.json'), 'utf8')) as string[];
    expect(readFileSync(path.join(dir, 'embeddings', 'items.bin')).byteLength).toBe(ids.length * 8 * 4);
    // The table: model beside popularity for each metric.
    expect(r.stderr).toMatch(/recall@10\s+\d\.\d{4}\s+\d\.\d{4}/);
    // Each evaluation's per-user values beside the events: their means are the event's metrics.
    const perUser = readPerUserEval(dir, 1);
    const metrics = evalMetrics(events)[0];
    expect(perUser?.users.length).toBeGreaterThan(10);
    for (const [ci, column] of perUser!.columns.entries()) {
      const mean = perUser!.values[ci].reduce((a, b) => a + b, 0) / perUser!.users.length;
      expect(mean, column).toBeCloseTo(metrics[column], 9);
    }
  });

  it('resumes exactly: 1 epoch + resume to 2 gives the losses and metrics of 2 epochs straight', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const straight = await runTrainer(['train', 'tiny.tower.yaml', '--runs-dir', 'a', '--run-id', 'straight'], cwd);
    expect(straight.code).toBe(0);
    const first = await runTrainer(['train', 'tiny.tower.yaml', '--runs-dir', 'b', '--run-id', 'split', '--epochs', '1'], cwd);
    expect(first.code).toBe(0);
    const resumed = await runTrainer(['train', '--resume', 'split', '--runs-dir', 'b', '--epochs', '2'], cwd);
    expect(resumed.stderr).not.toMatch(/failed/);
    expect(resumed.code).toBe(0);
    const a = parseEventLines(readFileSync(path.join(cwd, 'a', 'straight', 'events.jsonl'), 'utf8')).events;
    const b = parseEventLines(readFileSync(path.join(cwd, 'b', 'split', 'events.jsonl'), 'utf8')).events;
    expect(epochLosses(b)).toEqual(epochLosses(a));
    expect(evalMetrics(b)).toEqual(evalMetrics(a));
    expect(b.filter((e) => e.type === 'started').map((e) => (e.type === 'started' ? e.resumedFromEpoch : -1))).toEqual([0, 1]);
    expect(readFileSync(path.join(cwd, 'b', 'split', 'embeddings', 'items.bin'))).toEqual(readFileSync(path.join(cwd, 'a', 'straight', 'embeddings', 'items.bin')));
  });

  it('on SIGTERM finishes the step, checkpoints, ends `stopped`, exits 0, and the resumed run matches a straight one', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic('  early_stopping: { metric: recall@10, patience: 100 }\n', '').replace('epochs: 2', 'epochs: 6') });
    const run = startTrainer(['train', 'tiny.tower.yaml', '--run-id', 'stop-me'], cwd);
    await run.waitFor((e) => e.type === 'step');
    run.child.kill('SIGTERM');
    const { code } = await run.exit;
    expect(code).toBe(0);
    const events = fileEvents(cwd, 'stop-me');
    const end = ended(events);
    expect(end?.status).toBe('stopped');
    expect(events.at(-2)?.type).toBe('checkpoint');
    expect(run.stderr()).toContain('--resume stop-me');
    const resumed = await runTrainer(['train', '--resume', 'stop-me'], cwd);
    expect(resumed.code).toBe(0);
    const straight = await runTrainer(['train', 'tiny.tower.yaml', '--run-id', 'straight'], cwd);
    expect(straight.code).toBe(0);
    expect(ended(fileEvents(cwd, 'stop-me'))).toMatchObject({ status: 'completed', epoch: 6 });
    expect(evalMetrics(fileEvents(cwd, 'stop-me')).at(-1)).toEqual(evalMetrics(fileEvents(cwd, 'straight')).at(-1));
  });

  it('after kill -9 leaves a readable events.jsonl and a valid last checkpoint to resume from', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic().replace('epochs: 2', 'epochs: 50') });
    const run = startTrainer(['train', 'tiny.tower.yaml', '--run-id', 'killed'], cwd);
    await run.waitFor((e) => e.type === 'checkpoint');
    await run.waitFor((e) => e.type === 'step' && e.epoch >= 2);
    run.child.kill('SIGKILL');
    const { signal } = await run.exit;
    expect(signal).toBe('SIGKILL');
    const dir = path.join(cwd, RUNS, 'killed');
    const { events, badLines } = parseEventLines(readFileSync(path.join(dir, 'events.jsonl'), 'utf8'));
    expect(badLines).toEqual([]);
    expect(events[0].type).toBe('started');
    expect(ended(events)).toBeUndefined();
    const ckpt = loadCheckpoint(path.join(dir, 'checkpoint'));
    expect(ckpt?.state.epoch).toBeGreaterThanOrEqual(1);
    const resumed = await runTrainer(['train', '--resume', 'killed', '--epochs', String((ckpt?.state.epoch ?? 0) + 1)], cwd);
    expect(resumed.code).toBe(0);
    expect(ended(fileEvents(cwd, 'killed'))?.status).toBe('completed');
  });

  it('flags a run that ends below popularity after its table, with the reasons, and stays quiet above it', async () => {
    // Pairwise hinge on 1 popularity negative, a learning rate 500× too small, 1 epoch: below popularity.
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const weak = ['--epochs', '1', '--set', 'training.mode=pairwise', '--set', 'training.loss=hinge', '--set', 'training.negatives={"source":"popularity","per_positive":1}', '--set', 'training.learning_rate=0.00001'];
    const r = await runTrainer(['train', 'tiny.tower.yaml', ...weak], cwd);
    expect(r.code, r.stderr).toBe(0);
    const last = r.events.filter((e): e is EvalEvent => e.type === 'eval').at(-1)!;
    expect(last.metrics['recall@10']).toBeLessThan(last.baseline['recall@10']);
    const line = r.stderr.split('\n').find((l) => l.includes('below popularity'));
    expect(line).toMatch(/^⚠ below popularity on recall@10 \(\d\.\d{4} vs \d\.\d{4}\): too few epochs .*learning rate 0\.00001 .*popularity negatives push popular items down.*1 negative per positive.*; see docs\/benchmarks\.md/);
    // The table comes first.
    expect(r.stderr.indexOf('model/pop')).toBeLessThan(r.stderr.indexOf('below popularity'));
    // The listwise default of the fixture beats popularity: no line.
    const fine = await runTrainer(['train', 'tiny.tower.yaml'], workspace({ 'tiny.tower.yaml': tinySynthetic() }));
    expect(fine.code, fine.stderr).toBe(0);
    const fineLast = fine.events.filter((e): e is EvalEvent => e.type === 'eval').at(-1)!;
    expect(fineLast.metrics['recall@10']).toBeGreaterThan(fineLast.baseline['recall@10']);
    expect(fine.stderr).not.toContain('below popularity');
  });

  it('keeps training when the reader of its stdout goes away (EPIPE), and says so', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const run = startTrainer(['train', 'tiny.tower.yaml', '--run-id', 'orphan'], cwd);
    await run.waitFor((e) => e.type === 'started');
    run.child.stdout?.destroy();
    const { code } = await run.exit;
    expect(code).toBe(0);
    expect(run.stderr()).toContain('stdout closed');
    expect(ended(fileEvents(cwd, 'orphan'))).toMatchObject({ status: 'completed', epoch: 2 });
  });

  it('stops a diverging run with `ended` failed, the step and what to try, and a non-zero exit', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const r = await runTrainer(['train', 'tiny.tower.yaml', '--set', 'training.learning_rate=1e38', '--set', 'score.temperature=1e-30'], cwd);
    expect(r.code).toBe(1);
    const end = ended(fileEvents(cwd, onlyRun(cwd)));
    expect(end?.status).toBe('failed');
    expect(end?.error).toMatch(/loss became (NaN|Infinity|-Infinity) at step \d+ .*lower training\.learning_rate.*higher score\.temperature/);
  });
});

describe('two-tower-lab eval / export / generate', () => {
  it('evaluates and exports a run, and generates data that trains', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic().replace('epochs: 2', 'epochs: 1') });
    expect((await runTrainer(['train', 'tiny.tower.yaml', '--run-id', 'r1'], cwd)).code).toBe(0);
    const ev = await runTrainer(['eval', 'r1'], cwd);
    expect(ev.code).toBe(0);
    // Same checkpoint, same split: the same recall@10 as the run's last evaluation.
    const last = evalMetrics(fileEvents(cwd, 'r1')).at(-1) ?? {};
    expect(ev.stdout).toContain(`recall@10 `);
    expect(ev.stdout).toContain(last['recall@10'].toFixed(4));

    const ex = await runTrainer(['export', 'r1', '--out', 'exported'], cwd);
    expect(ex.code).toBe(0);
    const out = path.join(cwd, 'exported');
    for (const f of ['items.bin', 'items.ids.json', 'users.bin', 'users.ids.json', 'model.json', 'weights.bin']) expect(existsSync(path.join(out, f))).toBe(true);
    const model = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
    const names = model.weightsManifest[0].weights.map((w) => w.name);
    expect(names.some((n) => n.startsWith('user_tower/'))).toBe(true);
    expect(names.some((n) => /adam/.test(n))).toBe(false);
    const floats = model.weightsManifest[0].weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    expect(readFileSync(path.join(out, 'weights.bin')).byteLength).toBe(floats * 4);
    const userIds = JSON.parse(readFileSync(path.join(out, 'users.ids.json'), 'utf8')) as string[];
    expect(readFileSync(path.join(out, 'users.bin')).byteLength).toBe(userIds.length * 8 * 4);

    const gen = await runTrainer(['generate', '--out', 'gen', '--users', '40', '--items', '30', '--seed', '3'], cwd);
    expect(gen.code).toBe(0);
    const header = readFileSync(path.join(cwd, 'gen', 'interactions.csv'), 'utf8').split('\n')[0];
    expect(header).toBe('user_id,item_id,timestamp,impressed,clicked');
  });

  it('says when a run does not exist', async () => {
    const cwd = workspace();
    const r = await runTrainer(['eval', 'nope'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no run 'nope' in .*--runs-dir/);
  });
});
