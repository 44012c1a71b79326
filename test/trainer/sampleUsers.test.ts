/**
 * `evaluation.sample_users` through the real trainer process, on both engines: per-epoch `eval` events on
 * the seeded sample (they say how many users, and `sampled`), the last on every test user, with the
 * baseline of the same users. Torch is skipped, with the reason, where Debian's python3 has no torch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { parseEventLines, type EvalEvent, type StartedEvent } from '../../src/shared/events';
import { eventValidator } from '../shared/eventsValidator';
import { cleanup, REPO, runTrainer, workspace } from './trainerProcess';

afterAll(cleanup);

const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;
const EXAMPLE = path.join(REPO, 'examples', 'synthetic.tower.yaml');
const SMALL = ['--set', 'data.synthetic.users=300', '--set', 'data.synthetic.items=150', '--epochs', '2', '--set', 'evaluation.sample_users=25'];

function evals(cwd: string): EvalEvent[] {
  const id = readdirSync(path.join(cwd, 'runs'))[0];
  const events = parseEventLines(readFileSync(path.join(cwd, 'runs', id, 'events.jsonl'), 'utf8')).events;
  const validate = eventValidator();
  for (const e of events) expect(validate(e), `${e.type}: ${JSON.stringify(validate.errors)}`).toBe(true);
  const started = events.find((e): e is StartedEvent => e.type === 'started')!;
  expect(started).toBeDefined();
  return events.filter((e): e is EvalEvent => e.type === 'eval');
}

function expectSampledThenFull(cwd: string): void {
  const list = evals(cwd);
  expect(list.map((e) => e.epoch)).toEqual([1, 2]);
  expect(list[0]).toMatchObject({ users: 25, sampled: true });
  expect(list[1].sampled).toBeUndefined();
  expect(list[1].users).toBeGreaterThan(25);
  // Each evaluation carries the baseline of its own users.
  expect(list[0].baseline).not.toEqual(list[1].baseline);
}

describe('evaluation.sample_users', () => {
  it('tfjs: epoch 1 on the 25-user sample, the last epoch on every test user', async () => {
    const cwd = workspace();
    const r = await runTrainer(['train', EXAMPLE, ...SMALL, '--runs-dir', 'runs'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expectSampledThenFull(cwd);
    // The terminal says which users each evaluation used.
    expect(r.stderr).toMatch(/eval .*\[sample of 25 users\]/);
    expect(r.stderr).toMatch(/eval .*\[\d+ users\]/);
  }, 120_000);

  it.skipIf(!hasTorch)('torch (skipped without torch in /usr/bin/python3): the same', async () => {
    const cwd = workspace();
    const r = await runTrainer(['train', EXAMPLE, ...SMALL, '--engine', 'torch', '--processes', '1', '--python', PYTHON, '--runs-dir', 'runs'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expectSampledThenFull(cwd);
  }, 300_000);
});
