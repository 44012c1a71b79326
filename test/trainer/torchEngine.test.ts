/**
 * The torch engine through the real front door (`node dist/trainer.js train … --engine torch`) and real
 * torchrun workers: one and two processes reach the tfjs run's recall@50 within ±0.02 and beat
 * popularity; every event validates against the events schema; a killed worker ends the run failed
 * naming its rank; SIGTERM to the front door stops every rank with one checkpoint, and --resume
 * continues on torch; `eval` and `export` read a torch run; a missing torch is a clear exit 2 with
 * nothing written. Skipped, with the reason, where Debian's python3 has no torch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { parseEventLines, type EndedEvent, type EvalEvent, type StartedEvent, type TrainerEvent } from '../../src/shared/events';
import { eventValidator } from '../shared/eventsValidator';
import { cleanup, REPO, runTrainer, startTrainer, workspace } from './trainerProcess';

afterAll(cleanup);

const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;
const EXAMPLE = path.join(REPO, 'examples', 'synthetic.tower.yaml');
/** A smaller synthetic set, so that the fault tests take seconds. */
const SMALL = ['--set', 'data.synthetic.users=400', '--set', 'data.synthetic.items=200'];

function runEvents(cwd: string, runId?: string): { runId: string; events: TrainerEvent[] } {
  const id = runId ?? readdirSync(path.join(cwd, 'runs'))[0];
  return { runId: id, events: parseEventLines(readFileSync(path.join(cwd, 'runs', id, 'events.jsonl'), 'utf8')).events };
}

const lastEval = (events: TrainerEvent[]) => events.filter((e): e is EvalEvent => e.type === 'eval').at(-1);

describe.skipIf(!hasTorch)('torch engine end to end (skipped without torch in /usr/bin/python3)', () => {
  it('1 and 2 processes reach the tfjs recall@50 within ±0.02 on the synthetic example (3 epochs) and beat popularity; every event validates', async () => {
    const epochs = ['--epochs', '3'];
    const tfjs = workspace();
    expect((await runTrainer(['train', EXAMPLE, ...epochs, '--runs-dir', 'runs'], tfjs)).code).toBe(0);
    const reference = lastEval(runEvents(tfjs).events)!.metrics['recall@50'];
    const validate = eventValidator();
    for (const processes of ['1', '2']) {
      const cwd = workspace();
      const r = await runTrainer(['train', EXAMPLE, ...epochs, '--engine', 'torch', '--processes', processes, '--python', PYTHON, '--runs-dir', 'runs'], cwd);
      expect(r.code, r.stderr).toBe(0);
      const { events } = runEvents(cwd);
      const started = events.find((e): e is StartedEvent => e.type === 'started')!;
      expect(started).toMatchObject({ engine: 'torch', backend: 'torch', device: 'cpu', processes: Number(processes), worldSize: Number(processes) });
      const evalEvent = lastEval(events)!;
      expect(Math.abs(evalEvent.metrics['recall@50'] - reference), `torch × ${processes}: ${evalEvent.metrics['recall@50']} vs tfjs ${reference}`).toBeLessThanOrEqual(0.02);
      expect(evalEvent.metrics['recall@50']).toBeGreaterThan(evalEvent.baseline['recall@50']);
      expect(events.at(-1)).toMatchObject({ type: 'ended', status: 'completed', epoch: 3 });
      for (const e of events) expect(validate(e), `${e.type}: ${JSON.stringify(validate.errors)}`).toBe(true);
      // The terminal shows the run like a tfjs one: epoch lines and the table against popularity.
      expect(r.stderr).toMatch(/listwise\/softmax on torch/);
      expect(r.stderr).toMatch(/recall@50\s+0\.\d+\s+0\.\d+/);
    }
  }, 300_000);

  it('every evaluation of a torch run goes through the ANN index too (rank 0 asks the front door): the final one equals `eval`\'s of the run', async () => {
    const cwd = workspace();
    // A per-epoch sample: the front door must evaluate the sample's users for epoch 1 and every test user at the end.
    const r = await runTrainer(['train', EXAMPLE, '--epochs', '2', ...SMALL, '--set', 'evaluation.sample_users=40', '--engine', 'torch', '--processes', '2', '--python', PYTHON, '--runs-dir', 'runs'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/through the ANN index are missing/);
    const { runId, events } = runEvents(cwd);
    const evals = events.filter((e): e is EvalEvent => e.type === 'eval');
    expect(evals.map((e) => [e.epoch, e.sampled === true])).toEqual([[1, true], [2, false]]);
    for (const e of evals) {
      expect(e.index).toMatchObject({ items: 200, metric: 'cosine', connectivity: 16 });
      for (const key of ['ann_recall@10', 'ann_recall@50', 'ann/recall@50', 'ann/ndcg@10']) expect(e.metrics[key], `${key} at epoch ${e.epoch}`).toBeGreaterThan(0);
      expect(e.metrics['ann/recall@50']).toBeLessThanOrEqual(e.metrics['recall@50'] + 1e-9);
    }
    // Nothing of the exchange is left in the run folder.
    expect(readdirSync(path.join(cwd, 'runs', runId, 'ann-eval'))).toEqual([]);
    // The terminal's table has the ANN column and rows, as a tfjs run's does.
    expect(r.stderr).toMatch(/ann_recall@10\s+–\s+[01]\.\d+/);
    // `eval` builds the index of the run's item vectors again in TypeScript: the same figures as the run's last evaluation.
    const evalRun = spawnSync(process.execPath, [path.join(REPO, 'dist', 'trainer.js'), 'eval', runId, '--runs-dir', 'runs', '--last'], { cwd, encoding: 'utf8' });
    expect(evalRun.status, evalRun.stderr).toBe(0);
    const printedAnn = Number(/ann_recall@10\s+–\s+([0-9.]+)/.exec(evalRun.stdout)?.[1]);
    expect(printedAnn).toBeCloseTo(evals[1].metrics['ann_recall@10'], 3);
  }, 180_000);

  it('a worker killed with SIGKILL ends the run failed, naming the rank, never left running', async () => {
    const cwd = workspace();
    const run = startTrainer(['train', EXAMPLE, '--epochs', '50', ...SMALL, '--engine', 'torch', '--processes', '2', '--python', PYTHON, '--runs-dir', 'runs'], cwd);
    await run.waitFor((e) => e.type === 'step');
    // Rank 1 is the worker process whose command line names the run and whose environment says RANK=1.
    const runDir = path.join(cwd, 'runs', readdirSync(path.join(cwd, 'runs'))[0]);
    const pids = spawnSync('pgrep', ['-f', `two_tower_lab.worker --run-dir ${runDir}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
    const rank1 = pids.find((pid) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes('RANK=1'));
    expect(rank1, `worker pids ${pids.join(', ')}`).toBeDefined();
    process.kill(rank1!, 'SIGKILL');
    const { code } = await run.exit;
    expect(code).toBe(1);
    const ended = runEvents(cwd).events.filter((e): e is EndedEvent => e.type === 'ended');
    expect(ended).toHaveLength(1);
    expect(ended[0].status).toBe('failed');
    expect(ended[0].error).toMatch(/rank 1 died \(killed by signal 9\)/);
  }, 180_000);

  it('SIGTERM to the front door stops every rank with one checkpoint and `ended` stopped; --resume continues on torch; eval and export read the run', async () => {
    const cwd = workspace();
    const args = ['train', EXAMPLE, '--epochs', '4', ...SMALL, '--engine', 'torch', '--processes', '2', '--python', PYTHON, '--runs-dir', 'runs'];
    const run = startTrainer(args, cwd);
    await run.waitFor((e) => e.type === 'checkpoint');
    run.child.kill('SIGTERM');
    const { code } = await run.exit;
    expect(code, run.stderr()).toBe(0);
    const first = runEvents(cwd);
    const stoppedAt = first.events.filter((e): e is EndedEvent => e.type === 'ended');
    expect(stoppedAt).toHaveLength(1);
    expect(stoppedAt[0].status).toBe('stopped');
    const stoppedEpoch = stoppedAt[0].epoch;
    expect(stoppedEpoch).toBeLessThan(4);

    const resumed = await runTrainer(['train', '--resume', first.runId, '--runs-dir', 'runs', '--python', PYTHON], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    const all = runEvents(cwd, first.runId).events;
    const starts = all.filter((e): e is StartedEvent => e.type === 'started');
    expect(starts).toHaveLength(2);
    expect(starts[1]).toMatchObject({ engine: 'torch' });
    expect(starts[1].resumedFromEpoch).toBeGreaterThanOrEqual(stoppedEpoch);
    expect(all.at(-1)).toMatchObject({ type: 'ended', status: 'completed', epoch: 4 });
    // Each epoch trained once across the stop and the resume.
    const epochs = all.filter((e) => e.type === 'epoch').map((e) => (e as { epoch: number }).epoch);
    expect(epochs).toEqual([1, 2, 3, 4]);

    // --last: the run kept its best epoch too (test/trainer/torchPerUser.test.ts checks that one); this is the last.
    const evalRun = spawnSync(process.execPath, [path.join(REPO, 'dist', 'trainer.js'), 'eval', first.runId, '--runs-dir', 'runs', '--last'], { cwd, encoding: 'utf8' });
    expect(evalRun.status, evalRun.stderr).toBe(0);
    expect(evalRun.stdout).toMatch(/checkpoint after epoch 4/);
    // The TS engine's evaluation of the torch checkpoint gives the torch run's own last metrics.
    const torchRecall = lastEval(all)!.metrics['recall@50'];
    const printed = Number(/recall@50\s+([0-9.]+)/.exec(evalRun.stdout)?.[1]);
    expect(printed).toBeCloseTo(torchRecall, 3);
    const exported = spawnSync(process.execPath, [path.join(REPO, 'dist', 'trainer.js'), 'export', first.runId, '--runs-dir', 'runs', '--out', 'out'], { cwd, encoding: 'utf8' });
    expect(exported.status, exported.stderr).toBe(0);
    expect(existsSync(path.join(cwd, 'out', 'items.bin'))).toBe(true);

    const switched = await runTrainer(['train', '--resume', first.runId, '--runs-dir', 'runs', '--engine', 'tfjs', '--epochs', '5'], cwd);
    expect(switched.code).not.toBe(0);
    expect(switched.stderr).toMatch(/trained by the torch engine, and --resume asks for tfjs/);
  }, 240_000);
});

describe('torch engine without torch', () => {
  it('a Python without torch is a clear message, exit 2, and no run folder', async () => {
    const cwd = workspace();
    const r = await runTrainer(['train', EXAMPLE, '--engine', 'torch', '--python', '/nonexistent/python3', '--runs-dir', 'runs'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/The torch engine needs a Python with PyTorch and numpy/);
    expect(r.stderr).toMatch(/\/nonexistent\/python3: cannot run/);
    expect(r.stderr).toMatch(/apt-get install python3-torch/);
    expect(existsSync(path.join(cwd, 'runs'))).toBe(false);
  });
});
