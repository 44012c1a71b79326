/**
 * Runs the real bundled trainer (`node dist/trainer.js`) as a child process and exposes its events
 * (mirrored on stdout because stdout is a pipe), its stderr and its exit, so tests wait on events
 * rather than on time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isTrainerEvent, type TrainerEvent } from '../../src/shared/events';

export const REPO = path.resolve(__dirname, '..', '..');
export const TRAINER = path.join(REPO, 'dist', 'trainer.js');

export function assertBuilt(): void {
  if (!existsSync(TRAINER)) throw new Error(`${TRAINER} does not exist: run \`npm run build\` before the trainer-process tests.`);
}

export interface TrainerRun {
  child: ChildProcess;
  events: TrainerEvent[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the first event (already seen or to come) that matches. */
  waitFor(match: (e: TrainerEvent) => boolean): Promise<TrainerEvent>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startTrainer(args: string[], cwd: string): TrainerRun {
  assertBuilt();
  const child = spawn(process.execPath, [TRAINER, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let pending = '';
  const events: TrainerEvent[] = [];
  const waiters: { match: (e: TrainerEvent) => boolean; resolve: (e: TrainerEvent) => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const value: unknown = JSON.parse(line);
      if (!isTrainerEvent(value)) continue;
      events.push(value);
      for (const w of [...waiters]) {
        if (w.match(value)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(value);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    events,
    stdout: () => out,
    stderr: () => err,
    exit,
    waitFor(match) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        void exit.then(() => reject(new Error(`the trainer exited before the awaited event.\nstderr:\n${err}`)));
      });
    },
  };
}

export async function runTrainer(args: string[], cwd: string): Promise<{ code: number | null; events: TrainerEvent[]; stdout: string; stderr: string }> {
  const run = startTrainer(args, cwd);
  const { code } = await run.exit;
  return { code, events: run.events, stdout: run.stdout(), stderr: run.stderr() };
}

/** A temporary workspace folder; `cleanup()` removes every one made. */
const made: string[] = [];
export function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ttl-trainer-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}
export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A small synthetic experiment that trains in a few seconds. */
export function tinySynthetic(training = '', extra = ''): string {
  return `name: tiny
data:
  synthetic:
    users: 150
    items: 80
    latent_dim: 4
    impressions_per_user: 30
    ranking_log: false
  split:
    method: leave_last_n
    n: 1
user_tower:
  id_embedding_dim: 8
  mlp: { hidden: [16] }
  output_dim: 8
item_tower:
  id_embedding_dim: 8
  mlp: { hidden: [16] }
  output_dim: 8
score:
  temperature: 0.1
training:
  mode: listwise
  loss: softmax
  negatives:
    source: in_batch
    logq_correction: true
  learning_rate: 0.01
  batch_size: 32
  epochs: 2
  seed: 5
${training}
evaluation:
  k: [5, 10]
${extra}`;
}
