/**
 * The run folder survives everything (issue 12), with the real trainer process:
 * - a seeded campaign of kill -9 and SIGTERM at random moments of a small run, each resumed and
 *   compared with an uninterrupted run (set FAULT_SEED to repeat a campaign; the seed is printed);
 * - full-disk trials on a 2 MB tmpfs (skipped, with the reason, where mount is not permitted);
 * - one writer per run folder (run.lock), a cut last line, leftovers of dead writers, a trainer that
 *   dies during start-up, and run ids that try to leave the runs folder.
 * bench/soak.ts runs the same trials by the hundred.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunFolder } from '../../src/core/runs/runsDir';
import { parseEventLines } from '../../src/shared/events';
import { EXPERIMENT, mountSmallTmpfs, planTrials, referenceRun, runFullDiskTrial, runTrial, seededRandom, SMALL_RUN, type Reference } from './faultTrial';
import { cleanup, runTrainer, startTrainer, workspace } from './trainerProcess';

afterAll(cleanup);

const SEED = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TRIALS = 10;
/** A pid that cannot be alive: above the kernel's largest pid_max (2^22). */
const DEAD_PID = 4_194_305;

let cwd: string;
let reference: Reference;
beforeAll(async () => {
  console.log(`fault campaign: seed ${SEED} (repeat with FAULT_SEED=${SEED} npx vitest run test/trainer/faults.test.ts)`);
  cwd = workspace();
  reference = await referenceRun(cwd);
});

const train = (runsDir: string, runId: string, ...more: string[]): string[] => ['train', EXPERIMENT, ...SMALL_RUN, '--runs-dir', runsDir, '--run-id', runId, '--events-stdout', 'off', '--quiet', ...more];
const events = (dir: string) => parseEventLines(readFileSync(path.join(dir, 'events.jsonl'), 'utf8'));

describe(`fault campaign (seed ${SEED})`, () => {
  planTrials(SEED, TRIALS).forEach((plan, i) => {
    it(`trial ${i + 1}: ${plan.kind} after ${plan.afterEvents} events + ${plan.delayMs} ms, then the run ends as an uninterrupted one`, async () => {
      const r = await runTrial(plan, cwd, reference, `trial-${i + 1}`);
      console.log(`trial ${i + 1}: ${r.outcome}`);
      expect(r.problems, r.outcome).toEqual([]);
    });
  });
});

describe('a full disk (2 MB tmpfs)', () => {
  const disk = mountSmallTmpfs();
  afterAll(() => {
    if ('unmount' in disk) disk.unmount();
  });
  const random = seededRandom(SEED ^ 0x5eed);
  // 0 KB: the run folder cannot even be made; low: the events or the first checkpoint hit the wall; high: a later checkpoint or the embeddings.
  const frees = [0, Math.floor((40 + random() * 120) * 1024), Math.floor((160 + random() * 700) * 1024)];
  for (const free of frees) {
    it.skipIf('skip' in disk)(`with ${Math.round(free / 1024)} KB free: ends clearly, leaves whole lines and nothing behind, and resumes to the same result${'skip' in disk ? ` (skipped: ${disk.skip})` : ''}`, async () => {
      if (!('dir' in disk)) return;
      const r = await runFullDiskTrial(disk.dir, free, cwd, reference, `disk-${Math.round(free / 1024)}k`);
      console.log(r.outcome);
      expect(r.problems, r.outcome).toEqual([]);
    });
  }
  if ('skip' in disk) it.skip(`full-disk trials skipped: ${disk.skip}`, () => undefined);
});

describe('one writer per run folder', () => {
  it('refuses a second trainer on a live run (exit 2, naming pid, host, start and run id; nothing written), and takes over the lock once the holder is dead', async () => {
    const runsDir = path.join(cwd, 'locks');
    const first = startTrainer(['train', EXPERIMENT, ...SMALL_RUN, '--epochs', '40', '--runs-dir', runsDir, '--run-id', 'busy', '--events-stdout', 'on', '--quiet'], cwd);
    await first.waitFor((e) => e.type === 'epoch');
    const dir = path.join(runsDir, 'busy');
    const before = { events: readFileSync(path.join(dir, 'events.jsonl')), config: readFileSync(path.join(dir, 'config.yaml')), names: readdirSync(dir).sort() };
    const lock = JSON.parse(readFileSync(path.join(dir, 'run.lock'), 'utf8')) as { pid: number; host: string; startedAt: string };
    expect(lock).toMatchObject({ pid: first.child.pid, host: hostname(), runId: 'busy' });
    // The editor and a terminal, or two terminals: the second --resume is refused.
    const second = await runTrainer(['train', '--resume', 'busy', '--runs-dir', runsDir], cwd);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`Run busy is in use: trainer pid ${lock.pid} on ${lock.host} has been writing it since ${lock.startedAt}`);
    expect(second.stderr).toContain(path.join(dir, 'run.lock'));
    // A fresh run under the same id is refused too.
    const third = await runTrainer(train(runsDir, 'busy'), cwd);
    expect(third.code).toBe(2);
    expect(third.stderr).toContain('Run busy is in use');
    first.child.kill('SIGKILL');
    await first.exit;
    // Nothing was written by the refused trainers (the killed one may have written more events itself).
    expect(readFileSync(path.join(dir, 'config.yaml'))).toEqual(before.config);
    expect(readFileSync(path.join(dir, 'events.jsonl')).subarray(0, before.events.length)).toEqual(before.events);
    expect(parseEventLines(readFileSync(path.join(dir, 'events.jsonl'), 'utf8')).events.filter((e) => e.type === 'started')).toHaveLength(1);
    // The holder is dead now: its stale lock is taken over, and says so.
    const resumed = await runTrainer(['train', '--resume', 'busy', '--runs-dir', runsDir, '--epochs', '3', '--quiet'], cwd);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`took over the lock of run busy left by trainer pid ${lock.pid} on ${lock.host}`);
    expect(existsSync(path.join(dir, 'run.lock'))).toBe(false);
    expect(before.names).toContain('run.lock');
  });
});

describe('the run store on its own', () => {
  it('a cut last line (kill or full disk) is set aside, so the resumed run starts on a whole line and readers see it', async () => {
    const runsDir = path.join(cwd, 'cut');
    expect((await runTrainer(train(runsDir, 'cut', '--epochs', '1'), cwd)).code).toBe(0);
    const dir = path.join(runsDir, 'cut');
    appendFileSync(path.join(dir, 'events.jsonl'), '{"schemaVersion":1,"type":"st');
    const r = await runTrainer(['train', '--resume', 'cut', '--runs-dir', runsDir, '--epochs', '2', '--events-stdout', 'off'], cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ended with a cut line \(29 bytes.*moved to events\.jsonl\.partial-/);
    const { events: all, badLines, partialTail } = events(dir);
    expect(badLines).toEqual([]);
    expect(partialTail).toBe('');
    expect(all.filter((e) => e.type === 'started').map((e) => (e.type === 'started' ? e.resumedFromEpoch : -1))).toEqual([0, 1]);
    const side = readdirSync(dir).filter((n) => n.startsWith('events.jsonl.partial-'));
    expect(side).toHaveLength(1);
    expect(readFileSync(path.join(dir, side[0]), 'utf8')).toBe('{"schemaVersion":1,"type":"st');
    expect((await readRunFolder(dir)).summary).toMatchObject({ status: 'completed', epoch: 2 });
  });

  it('removes what dead writers left (checkpoint.tmp-<pid>/, .config.yaml.tmp-<pid>) at the next resume, and says so', async () => {
    const runsDir = path.join(cwd, 'temps');
    expect((await runTrainer(train(runsDir, 'temps', '--epochs', '1'), cwd)).code).toBe(0);
    const dir = path.join(runsDir, 'temps');
    mkdirSync(path.join(dir, `checkpoint.tmp-${DEAD_PID}`));
    writeFileSync(path.join(dir, `checkpoint.tmp-${DEAD_PID}`, 'weights.bin'), 'half');
    writeFileSync(path.join(dir, `.config.yaml.tmp-${DEAD_PID}`), '');
    writeFileSync(path.join(dir, 'embeddings', `.items.bin.tmp-${DEAD_PID}`), 'half');
    const r = await runTrainer(['train', '--resume', 'temps', '--runs-dir', runsDir, '--epochs', '2', '--events-stdout', 'off'], cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`removed what dead writers left in ${dir}: .config.yaml.tmp-${DEAD_PID}, checkpoint.tmp-${DEAD_PID}, embeddings/.items.bin.tmp-${DEAD_PID}.`);
    expect(readdirSync(dir).filter((n) => /tmp-\d+$/.test(n))).toEqual([]);
  });

  it('a trainer killed during start-up leaves a run readers show failed ("died during start-up"), whose id a new run may take', async () => {
    const runsDir = path.join(cwd, 'startup');
    const dir = path.join(runsDir, 'early');
    const run = startTrainer(train(runsDir, 'early'), cwd);
    // The run folder appears whole, with its lock; the data is loaded after that.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (existsSync(path.join(dir, 'run.lock'))) resolve();
        else setTimeout(check, 2);
      };
      check();
    });
    run.child.kill('SIGKILL');
    await run.exit;
    const { summary } = await readRunFolder(dir);
    if (summary.status === 'failed' && summary.error?.includes('died during start-up')) {
      expect(summary.pid).toBe(run.child.pid);
      const again = await runTrainer(train(runsDir, 'early'), cwd);
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/held no run .* it was cleared for this run/);
      expect((await readRunFolder(dir)).summary.status).toBe('completed');
    } else {
      // The machine was fast enough to write `started` first: then it is an ordinary killed run.
      expect(summary.status).toBe('failed');
    }
  });

  it('run ids never leave the runs folder: --run-id .., --resume ../outside/victim, eval and export of a path are refused (exit 2)', async () => {
    const root = workspace();
    const runsDir = path.join(root, 'runs');
    mkdirSync(path.join(root, 'outside', 'victim'), { recursive: true });
    writeFileSync(path.join(root, 'outside', 'victim', 'config.yaml'), 'name: victim\n');
    const cases: [string[], RegExp][] = [
      [train(runsDir, '..'), /--run-id '\.\.' is not a run id: '\.\.' names a folder, not a run/],
      [train(runsDir, '.'), /--run-id '\.' is not a run id/],
      [['train', '--resume', '../outside/victim', '--runs-dir', runsDir], /--resume '\.\.\/outside\/victim' is not a run id: it holds a path separator/],
      [['eval', '../outside/victim', '--runs-dir', runsDir], /eval '\.\.\/outside\/victim' is not a run id/],
      [['export', '..', '--runs-dir', runsDir], /export '\.\.' is not a run id/],
      [train(runsDir, '.hidden'), /may hold only letters, digits/],
    ];
    for (const [args, message] of cases) {
      const r = await runTrainer(args, root);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(readdirSync(path.join(root, 'outside', 'victim'))).toEqual(['config.yaml']);
    expect(existsSync(runsDir)).toBe(false);
    expect(readdirSync(root).sort()).toEqual(['outside']);
  });
});
