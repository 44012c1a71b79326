/**
 * Runs the torch workers of a prepared run: `<python> -m torch.distributed.run` (torchrun) with one
 * worker per process and a c10d rendezvous on a free loopback port, in its own process group so that a stop reaches every rank at once. The front
 * door follows the run folder's events.jsonl (rank 0 writes it) for the terminal's progress, forwards
 * SIGTERM, and when the workers are gone without an `ended` event it records the failure itself,
 * naming the rank that died and its last stderr lines, so a torch run is never left "running".
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { EVENTS_FILE } from '../../core/runs/runFiles';

import { EventTail } from '../../core/runs/eventTail';
import type { TrainerEvent } from '../../shared/events';
import { ANN_EVAL_ENV, type AnnEvalService } from './annEvalService';
import { freePort } from './freePort';

/** Lines of stderr kept per rank for the failure message (torchrun's own: enough for its failure summary of every rank). */
const TAIL_LINES = 12;
const AGENT_TAIL_LINES = 400;
/** How often the events file is polled while the workers run. */
const POLL_MS = 200;

export interface TorchWorkers {
  python: string;
  device: 'cpu' | 'cuda';
  processes: number;
  threads: number;
  runDir: string;
  resume: boolean;
  /** The folder holding the `two_tower_lab` Python package. */
  packageDir: string;
  /** Answers rank 0's requests for the figures through the ANN index (absent: the workers evaluate exactly only). */
  annEval?: AnnEvalService;
  onEvent(event: TrainerEvent): void;
  onStderrLine?(line: string): void;
  /** Registers the stop handler; returns the unregister function. */
  onStopSignal(handler: (signal: string) => void): () => void;
}

export interface TorchOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last `ended` event rank 0 wrote after this launch, if any. */
  ended?: Extract<TrainerEvent, { type: 'ended' }>;
  /** Set when the workers died without an `ended` event: what to record. */
  failure?: string;
}

/** The torchrun command line of a one-node run (multi-node runs use `two-tower-lab launch`). */
export function torchrunArgs(w: Pick<TorchWorkers, 'processes' | 'runDir' | 'resume'>, port: number, runId: string): string[] {
  return [
    '-m',
    'torch.distributed.run',
    // Not --standalone: torch 1.13 binds its store to port 29400 there, so two runs on one machine collide.
    '--rdzv_backend=c10d',
    `--rdzv_endpoint=127.0.0.1:${port}`,
    `--rdzv_id=${runId}`,
    '--nnodes=1',
    `--nproc_per_node=${w.processes}`,
    // torch 1.13 on Python 3.11 crashes with the default --redirects 0 and with 3 (an IntFlag of two
    // members, TESTING.md); 2 = each rank's stderr logged under --log_dir and teed here with a "[rank]:" prefix.
    '--redirects',
    '2',
    '--tee',
    '2',
    '--log_dir',
    path.join(w.runDir, 'torchrun'),
    '-m',
    'two_tower_lab.worker',
    '--run-dir',
    w.runDir,
    ...(w.resume ? ['--resume'] : []),
  ];
}

/** The `python/` folder of this installation: beside dist/ when packaged, at the repository root in development. */
export function findPackageDir(from = __dirname): string {
  const override = process.env.TWO_TOWER_LAB_PYTHON_PACKAGE;
  if (override) return override;
  let dir = from;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'python');
    if (existsSync(path.join(candidate, 'two_tower_lab', '__init__.py'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`The torch engine's Python package (python/two_tower_lab) was not found above ${from}; the installation is incomplete. Reinstall two-tower-lab, or set TWO_TOWER_LAB_PYTHON_PACKAGE to the folder holding two_tower_lab/.`);
}

export async function runTorchWorkers(w: TorchWorkers): Promise<TorchOutcome> {
  const eventsFile = path.join(w.runDir, EVENTS_FILE);
  const tail = new EventTail(eventsFile);
  // Only events written after this launch count: a resumed run's folder holds earlier ones.
  await tail.read();
  let ended: TorchOutcome['ended'];
  const follow = async (): Promise<void> => {
    for (const e of await tail.read()) {
      if (e.type === 'ended') ended = e;
      w.onEvent(e);
    }
  };

  const env = {
    ...process.env,
    PYTHONPATH: [w.packageDir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    OMP_NUM_THREADS: String(w.threads),
    OPENBLAS_NUM_THREADS: String(w.threads),
    TWO_TOWER_LAB_DEVICE: w.device,
    TWO_TOWER_LAB_THREADS: String(w.threads),
    PYTHONUNBUFFERED: '1',
    ...(w.annEval ? { [ANN_EVAL_ENV]: String(process.pid) } : {}),
  };
  const child = spawn(w.python, torchrunArgs(w, await freePort(), path.basename(w.runDir)), { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const perRank = new Map<string, string[]>();
  const keep = (line: string): void => {
    const m = /^\[(?:default)?(\d+)\]:(.*)$/.exec(line);
    const key = m ? m[1] : 'torchrun';
    const lines = perRank.get(key) ?? [];
    lines.push(m ? m[2] : line);
    if (lines.length > (key === 'torchrun' ? AGENT_TAIL_LINES : TAIL_LINES)) lines.shift();
    perRank.set(key, lines);
    w.onStderrLine?.(line);
  };
  const splitLines = (stream: NodeJS.ReadableStream): void => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) keep(l);
    });
    stream.on('end', () => {
      if (pending) keep(pending);
    });
  };
  splitLines(child.stdout);
  splitLines(child.stderr);

  let stopping = false;
  const unregister = w.onStopSignal(() => {
    stopping = true;
    // The whole group: torchrun and every rank see the stop at once; ranks agree on the step to stop at.
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGTERM');
  });
  const poll = (): void => {
    w.annEval?.answerPending();
    void follow();
  };
  const timer = setInterval(poll, POLL_MS);
  try {
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c, s) => resolve({ code: c, signal: s }));
    });
    await follow();
    if (ended) return { exitCode: code, signal, ended };
    return { exitCode: code, signal, failure: describeFailure(code, signal, perRank, stopping) };
  } finally {
    clearInterval(timer);
    unregister();
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // The group is already gone: nothing left to stop.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** A worker's exit code when it stopped because another rank is gone (python/two_tower_lab/worker.py PEER_LOST_EXIT). */
export const PEER_LOST_EXIT = 3;

/**
 * The rank that died first, from torchrun's failure summary: every `rank : N … exitcode : C` block,
 * skipping ranks that only exited because another was gone. torchrun's "Root Cause" names the first
 * failure it observed, which is often such a bystander, so it is not trusted on its own.
 */
export function failedRank(summary: string): { rank: string; exit: number } | undefined {
  // Each block has a line `  rank      : N (local_rank: L)` and then `  exitcode  : C (pid: P)`; the agent's
  // own log lines also say `local_rank: L`, which must not start a block.
  const blocks = [...summary.matchAll(/^\s*rank\s*:\s*(\d+)[^\n]*\n\s*exitcode\s*:\s*(-?\d+)/gm)].map((m) => ({ rank: m[1], exit: Number(m[2]) }));
  return blocks.find((b) => b.exit !== PEER_LOST_EXIT) ?? blocks[0];
}

/** Which rank died (from torchrun's failure summary) and the last stderr lines of it. */
export function describeFailure(code: number | null, signal: NodeJS.Signals | null, perRank: Map<string, string[]>, stopping: boolean): string {
  const agent = (perRank.get('torchrun') ?? []).join('\n');
  const failed = failedRank(agent);
  const rank = failed?.rank;
  const exit = failed?.exit;
  const how = exit !== undefined ? (exit < 0 ? `killed by signal ${-exit}` : `exit code ${exit}`) : signal ? `signal ${signal}` : `exit code ${code}`;
  const lastOf = (key: string) => (perRank.get(key) ?? []).filter((l) => l.trim() !== '').slice(-6);
  const lines = rank !== undefined ? lastOf(rank) : lastOf('torchrun');
  const who = rank !== undefined ? `torch worker rank ${rank} died (${how})` : `the torch workers ended (${how})`;
  const context = stopping ? ' while stopping' : '';
  return `${who}${context} without recording how the run ended.${lines.length ? ` Its last output:\n${lines.join('\n')}` : ''}\nThe last complete checkpoint is kept: continue with --resume once the cause is fixed.`;
}
