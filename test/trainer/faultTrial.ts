/**
 * One fault-injection trial of the real trainer (`node dist/trainer.js`), shared by the seeded campaign
 * in `npm test` (test/trainer/faults.test.ts) and the soak bench (bench/soak.ts): start a small run,
 * kill it (SIGKILL or SIGTERM) at a random moment, check what the run folder says, resume it, and
 * compare the result with an uninterrupted run (item embeddings byte for byte, last metrics equal).
 * Also the full-disk trial: the same run with a runs folder on a tiny tmpfs that fills up.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint } from '../../src/core/train/checkpoint';
import { readRunFolder } from '../../src/core/runs/runsDir';
import { parseEventLines, type EndedEvent, type EvalEvent, type TrainerEvent } from '../../src/shared/events';
import { REPO, runTrainer, startTrainer } from './trainerProcess';

export const EXPERIMENT = path.join(REPO, 'examples', 'synthetic.tower.yaml');
/** The small real run of every trial: three epochs, a checkpoint after each, about two seconds. */
export const SMALL_RUN = ['--set', 'data.synthetic.users=300', '--set', 'data.synthetic.items=200', '--epochs', '3'];

export type FaultKind = 'kill9' | 'sigterm';

export interface TrialPlan {
  kind: FaultKind;
  /** Kill after this many events (0: counted from the spawn, to land in start-up). */
  afterEvents: number;
  /** Then wait this long (a random moment between two events, e.g. inside a checkpoint write). */
  delayMs: number;
}

/** A small seeded generator (mulberry32): the same seed gives the same campaign. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` trials alternating kill -9 and SIGTERM, at random events and delays drawn from `seed`. */
export function planTrials(seed: number, n: number): TrialPlan[] {
  const random = seededRandom(seed);
  const plans: TrialPlan[] = [];
  for (let i = 0; i < n; i++) {
    // One trial in five lands in start-up (before `started`, often before the run folder exists).
    const afterEvents = random() < 0.2 ? 0 : 1 + Math.floor(random() * 21);
    // From the spawn, start-up takes about a second; between events, tens of milliseconds.
    const delayMs = Math.floor(random() * (afterEvents === 0 ? 1200 : 120));
    plans.push({ kind: i % 2 === 0 ? 'kill9' : 'sigterm', afterEvents, delayMs });
  }
  return plans;
}

export interface Reference {
  items: Buffer;
  lastMetrics: Record<string, number>;
}

export interface TrialResult {
  survived: boolean;
  /** What happened, one line (for the log). */
  outcome: string;
  /** Each check that failed, said plainly. */
  problems: string[];
}

const trainArgs = (runsDir: string, runId: string): string[] => ['train', EXPERIMENT, ...SMALL_RUN, '--runs-dir', runsDir, '--run-id', runId, '--events-stdout', 'on', '--quiet'];
const resumeArgs = (runsDir: string, runId: string): string[] => ['train', '--resume', runId, '--runs-dir', runsDir, '--events-stdout', 'on', '--quiet'];

const lastEval = (events: TrainerEvent[]): Record<string, number> | undefined => events.filter((e): e is EvalEvent => e.type === 'eval').at(-1)?.metrics;
const lastEnded = (events: TrainerEvent[]): EndedEvent | undefined => events.filter((e): e is EndedEvent => e.type === 'ended').at(-1);

/** The uninterrupted run every trial is compared with. */
export async function referenceRun(cwd: string): Promise<Reference> {
  const runsDir = path.join(cwd, 'reference');
  const r = await runTrainer(trainArgs(runsDir, 'reference'), cwd);
  if (r.code !== 0) throw new Error(`the reference run failed (exit ${r.code}):\n${r.stderr}`);
  const dir = path.join(runsDir, 'reference');
  const metrics = lastEval(parseEventLines(readFileSync(path.join(dir, 'events.jsonl'), 'utf8')).events);
  if (!metrics) throw new Error('the reference run has no eval event');
  return { items: readFileSync(path.join(dir, 'embeddings', 'items.bin')), lastMetrics: metrics };
}

/** Every leftover a writer must not leave behind once a run is over: temporaries and the lock. */
export function leftovers(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (/\.tmp-\d+$/.test(name) || name === 'run.lock') found.push(`${rel}${name}`);
      if (statSync(full).isDirectory()) walk(full, `${rel}${name}/`);
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return found;
}

/** Checks a finished run folder: whole lines only, nothing left over, the same result as the reference. */
function checkFinished(dir: string, reference: Reference, problems: string[]): void {
  const text = readFileSync(path.join(dir, 'events.jsonl'), 'utf8');
  const { events, badLines, partialTail } = parseEventLines(text);
  if (badLines.length > 0) problems.push(`events.jsonl has unreadable lines ${badLines.join(', ')}`);
  if (partialTail !== '') problems.push(`events.jsonl ends with a cut line: ${partialTail.slice(0, 40)}`);
  if (lastEnded(events)?.status !== 'completed') problems.push(`the last ended event is ${lastEnded(events)?.status ?? 'missing'}, not completed`);
  const left = leftovers(dir);
  if (left.length > 0) problems.push(`left over after the run: ${left.join(', ')}`);
  const items = path.join(dir, 'embeddings', 'items.bin');
  if (!existsSync(items)) problems.push('no embeddings/items.bin');
  else if (!readFileSync(items).equals(reference.items)) problems.push('embeddings/items.bin differs from the uninterrupted run');
  const metrics = lastEval(events);
  if (JSON.stringify(metrics) !== JSON.stringify(reference.lastMetrics)) problems.push(`last metrics differ from the uninterrupted run: ${JSON.stringify(metrics)}`);
}

/**
 * After the interruption, what every reader must see: whole lines (a cut last line only after kill -9),
 * and a status that says the run is over (never `running` or `queued` once its trainer is gone).
 */
async function checkInterrupted(dir: string, plan: TrialPlan, problems: string[]): Promise<string> {
  if (!existsSync(dir)) return 'killed before its run folder existed';
  const events = existsSync(path.join(dir, 'events.jsonl')) ? parseEventLines(readFileSync(path.join(dir, 'events.jsonl'), 'utf8')) : { events: [], badLines: [], partialTail: '' };
  if (events.badLines.length > 0) problems.push(`after the ${plan.kind}, events.jsonl has unreadable lines ${events.badLines.join(', ')}`);
  if (events.partialTail !== '' && plan.kind !== 'kill9') problems.push(`after SIGTERM, events.jsonl ends with a cut line`);
  const { summary } = await readRunFolder(dir);
  if (summary.status === 'running' || summary.status === 'queued') problems.push(`after the ${plan.kind} its trainer is gone, yet readers show the run ${summary.status}`);
  if (summary.status === 'failed' && events.events.length === 0 && !/died during start-up|holds no run/.test(summary.error ?? '')) problems.push(`a run killed in start-up is failed with: ${summary.error}`);
  return `${summary.status} after ${events.events.length} events${events.partialTail !== '' ? ' and a cut line' : ''}`;
}

/** One trial: interrupt a small run as planned, check the folder, resume, compare with the reference. */
export async function runTrial(plan: TrialPlan, cwd: string, reference: Reference, runId: string): Promise<TrialResult> {
  const runsDir = path.join(cwd, 'runs');
  const dir = path.join(runsDir, runId);
  const problems: string[] = [];
  const run = startTrainer(trainArgs(runsDir, runId), cwd);
  let seen = 0;
  const moment = plan.afterEvents === 0 ? Promise.resolve() : run.waitFor(() => ++seen >= plan.afterEvents).then(() => undefined);
  const interrupted = await moment.then(
    () => new Promise<boolean>((resolve) => setTimeout(() => resolve(run.child.kill(plan.kind === 'kill9' ? 'SIGKILL' : 'SIGTERM')), plan.delayMs)),
    () => false, // it finished before the planned moment
  );
  const exit = await run.exit;
  if (exit.code !== null && exit.code !== 0) problems.push(`the interrupted trainer exited ${exit.code}: ${run.stderr().slice(-400)}`);
  const state = await checkInterrupted(dir, plan, problems);

  // Continue: resume when there is a checkpoint; a run that never started may take its id again.
  const checkpoint = existsSync(dir) ? safeCheckpointEpoch(dir) : undefined;
  let next: string;
  if (checkpoint !== undefined) {
    const r = await runTrainer(resumeArgs(runsDir, runId), cwd);
    if (r.code !== 0) problems.push(`--resume exited ${r.code}: ${r.stderr.slice(-600)}`);
    const started = r.events.find((e) => e.type === 'started');
    if (started?.type === 'started' && started.resumedFromEpoch !== checkpoint) problems.push(`resumed from epoch ${started.resumedFromEpoch}, not the checkpoint's ${checkpoint}`);
    checkFinished(dir, reference, problems);
    next = `resumed from epoch ${checkpoint}`;
  } else if (existsSync(path.join(dir, 'config.yaml')) && existsSync(path.join(dir, 'events.jsonl')) && statSync(path.join(dir, 'events.jsonl')).size > 0) {
    // Stopped before its first checkpoint: --resume refuses clearly, and the folder stays readable.
    const r = await runTrainer(resumeArgs(runsDir, runId), cwd);
    if (r.code !== 1 || !/has no checkpoint yet .* cannot be resumed/.test(r.stderr)) problems.push(`--resume without a checkpoint: exit ${r.code}, ${r.stderr.slice(-400)}`);
    const { badLines, partialTail } = parseEventLines(readFileSync(path.join(dir, 'events.jsonl'), 'utf8'));
    if (badLines.length > 0 || partialTail !== '') problems.push('after the refused resume, events.jsonl is not whole lines');
    if (leftovers(dir).length > 0) problems.push(`left over after the refused resume: ${leftovers(dir).join(', ')}`);
    next = 'no checkpoint: resume refused clearly';
  } else {
    // Killed before any event: the run id is not blocked; the same id trains from scratch.
    const r = await runTrainer(trainArgs(runsDir, runId), cwd);
    if (r.code !== 0) problems.push(`a fresh run with the id of a run killed in start-up exited ${r.code}: ${r.stderr.slice(-600)}`);
    else checkFinished(dir, reference, problems);
    next = 'id reused by a fresh run';
  }
  const outcome = `${plan.kind} after ${plan.afterEvents} events + ${plan.delayMs} ms${interrupted ? '' : ' (finished first)'}: ${state}; ${next}`;
  return { survived: problems.length === 0, outcome, problems };
}

function safeCheckpointEpoch(dir: string): number | undefined {
  try {
    return loadCheckpoint(path.join(dir, 'checkpoint'))?.state.epoch;
  } catch (error) {
    // A checkpoint that does not load is itself a failure of the trial; the resume then says why.
    void error;
    return -1;
  }
}

// ---------------------------------------------------------------------------------------------
// Full disk: a tmpfs of 2 MB as the runs folder, filled up to leave `freeBytes`.

/** Mounts a 2 MB tmpfs, or says why it cannot (not root, no mount permission in this container). */
export function mountSmallTmpfs(): { dir: string; unmount(): void } | { skip: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ttl-fulldisk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { skip: `cannot mount a tmpfs here (${stderr || (error as Error).message}); the full-disk trial needs root or CAP_SYS_ADMIN` };
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills `disk` (a tmpfs) so that about `freeBytes` stay free; returns the filler file. */
export function fillDisk(disk: string, freeBytes: number): string {
  const filler = path.join(disk, 'filler');
  const s = statfsSync(disk);
  const avail = s.bavail * s.bsize;
  writeFileSync(filler, Buffer.alloc(Math.max(0, avail - freeBytes)));
  return filler;
}

/**
 * A full-disk trial: the small run on a tmpfs with `freeBytes` left. It must end clearly (completed, or
 * `failed` with a message naming the file, the free space and what to do; or refused before a folder
 * exists), leave whole lines and no temporaries or lock, and, once room is made, resume to the same result.
 */
export async function runFullDiskTrial(disk: string, freeBytes: number, cwd: string, reference: Reference, runId: string): Promise<TrialResult> {
  const problems: string[] = [];
  const runsDir = path.join(disk, 'runs');
  rmSync(runsDir, { recursive: true, force: true });
  rmSync(path.join(disk, 'filler'), { force: true });
  mkdirSync(runsDir);
  const filler = fillDisk(disk, freeBytes);
  const dir = path.join(runsDir, runId);
  const r = await runTrainer(trainArgs(runsDir, runId), cwd);
  let state: string;
  const eventsFile = path.join(dir, 'events.jsonl');
  const hasEvents = existsSync(eventsFile) && statSync(eventsFile).size > 0;
  if (r.code === 0) {
    state = 'completed';
  } else if (!hasEvents) {
    state = existsSync(dir) ? 'refused at start' : 'refused before the run folder existed';
    if (r.code !== 1 || !/disk is full \(ENOSPC\): .* free of /.test(r.stderr)) problems.push(`refused at start (exit ${r.code}), and stderr does not say the disk is full: ${r.stderr.slice(-400)}`);
    if (leftovers(dir).length > 0) problems.push(`left over after the refusal: ${leftovers(dir).join(', ')}`);
  } else {
    const { events, badLines, partialTail } = parseEventLines(readFileSync(path.join(dir, 'events.jsonl'), 'utf8'));
    const ended = lastEnded(events);
    state = `failed after ${events.length} events`;
    if (r.code !== 1) problems.push(`the trainer on a full disk exited ${r.code}`);
    if (badLines.length > 0 || partialTail !== '') problems.push(`on a full disk events.jsonl is not whole lines (bad ${badLines.join(',')}, tail ${partialTail.slice(0, 30)})`);
    if (ended?.status !== 'failed') problems.push(`on a full disk the last ended event is ${ended?.status ?? 'missing'}`);
    else if (!/Could not write \/.*: the disk is full \(ENOSPC\): .* free of .*--resume/.test(ended.error ?? '')) problems.push(`the failure does not name the file, the free space and what to do: ${ended.error}`);
    if (leftovers(dir).length > 0) problems.push(`left over on the full disk: ${leftovers(dir).join(', ')}`);
  }
  rmSync(filler, { force: true });
  // Room again: resume (or start again under the same id) and compare.
  const checkpoint = existsSync(dir) ? safeCheckpointEpoch(dir) : undefined;
  if (r.code === 0) {
    checkFinished(dir, reference, problems);
  } else if (checkpoint !== undefined) {
    const again = await runTrainer(resumeArgs(runsDir, runId), cwd);
    if (again.code !== 0) problems.push(`--resume after freeing space exited ${again.code}: ${again.stderr.slice(-400)}`);
    checkFinished(dir, reference, problems);
    state += `; resumed from epoch ${checkpoint}`;
  } else if (!hasEvents) {
    const again = await runTrainer(trainArgs(runsDir, runId), cwd);
    if (again.code !== 0) problems.push(`the same run id after freeing space exited ${again.code}: ${again.stderr.slice(-400)}`);
    else checkFinished(dir, reference, problems);
    state += '; the same id trained once there was room';
  } else {
    state += '; no checkpoint to resume';
  }
  return { survived: problems.length === 0, outcome: `full disk with ${Math.round(freeBytes / 1024)} KB free: ${state}`, problems };
}
