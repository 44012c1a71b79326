/**
 * training.threads on the tfjs engine: the real trainer process starts the threaded wasm build with that
 * many pool threads (the `started` event says how many the pool has), trains to the same losses as one
 * thread (XNNPACK splits a matMul's output tiles, not its sums), and exits by itself when the run ends.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');
const runsDir = mkdtempSync(path.join(tmpdir(), 'ttl-threads-'));
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

interface Ev {
  type: string;
  backend?: string;
  threads?: number;
  loss?: number;
  status?: string;
}

function train(threads: number): Promise<Ev[]> {
  const runId = `threads-${threads}`;
  const argv = ['dist/trainer.js', 'train', 'examples/synthetic.tower.yaml', '--backend', 'wasm', '--epochs', '1', '--set', `training.threads=${threads}`, '--runs-dir', runsDir, '--run-id', runId, '--quiet', '--events-stdout', 'off'];
  return new Promise((resolve, reject) => {
    // The timeout is the test: a pool thread that kept the process alive after `ended` would hang here.
    execFile(process.execPath, argv, { cwd: ROOT, timeout: 90_000 }, (err, _stdout, stderr) => {
      if (err) return reject(new Error(`trainer with ${threads} threads: ${err.message}\n${stderr}`));
      const lines = readFileSync(path.join(runsDir, runId, 'events.jsonl'), 'utf8').trim().split('\n');
      resolve(lines.map((l) => JSON.parse(l) as Ev));
    });
  });
}

describe('training.threads on the wasm backend', () => {
  it('sizes the pool, keeps the losses, and lets the trainer exit', async () => {
    const one = await train(1);
    const two = await train(2);
    const started = (evs: Ev[]) => evs.find((e) => e.type === 'started');
    expect(started(one)).toMatchObject({ backend: 'wasm', threads: 1 });
    expect(started(two)).toMatchObject({ backend: 'wasm', threads: 2 });
    const losses = (evs: Ev[]) => evs.filter((e) => e.type === 'epoch').map((e) => e.loss);
    expect(losses(two)).toHaveLength(1);
    expect(losses(two)).toEqual(losses(one));
    expect(two.at(-1)).toMatchObject({ type: 'ended', status: 'completed' });
  }, 200_000);
});
