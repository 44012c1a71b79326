/**
 * The run store's parts on their own (issue 12): whole lines in events.jsonl, the run lock, the run-id
 * rule, run folders made whole and reused only when they hold no run, leftovers of dead writers, and
 * what readers make of a folder whose trainer died during start-up.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventTail } from '../../../src/core/runs/eventTail';
import { setAsidePartialLine } from '../../../src/core/runs/eventsFile';
import { checkRunId, isRunId, runDirIn, RunIdError } from '../../../src/core/runs/runId';
import { acquireRunLock, liveLockHolder, readRunLock, RunLockedError } from '../../../src/core/runs/runLock';
import { readRunFolder } from '../../../src/core/runs/runsDir';
import { replaceFolder } from '../../../src/core/train/atomicWrite';
import { EventWriter } from '../../../src/core/train/events';
import { createRunFolder, openRunFolder, RunFolderError, removeDeadWriterTemps, slugName } from '../../../src/core/train/runFolder';
import { WriteError } from '../../../src/core/train/writeError';
import { parseRunArgs, parseTrainArgs, UsageError } from '../../../src/trainer/args';
import { EVENTS_SCHEMA_VERSION, parseEventLines } from '../../../src/shared/events';

/** A pid that cannot be alive: above the kernel's largest pid_max (2^22). */
const DEAD_PID = 4_194_305;
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'ttl-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const startedLine = (runId: string, pid: number, time = new Date().toISOString()): string =>
  `${JSON.stringify({ schemaVersion: EVENTS_SCHEMA_VERSION, time, runId, type: 'started', experiment: '/w/a.tower.yaml', mode: 'listwise', loss: 'softmax', backend: 'cpu', pid, epochs: 2, stepsPerEpoch: 1, batchSize: 1, resumedFromEpoch: 0, dataset: { users: 1, items: 1, trainPositives: 1, testPositives: 1 }, params: {} })}\n`;
const lockOf = (pid: number, runId: string, startedAt = new Date().toISOString(), host = hostname()): string => JSON.stringify({ pid, host, startedAt, runId });

describe('events.jsonl stays on a line boundary', () => {
  it('sets a cut last line aside into events.jsonl.partial-<time> and truncates after the last newline', () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.jsonl');
    const whole = startedLine('r', 1);
    writeFileSync(file, `${whole}{"type":"st`);
    const aside = setAsidePartialLine(file, new Date('2026-01-02T03:04:05.678Z'));
    expect(aside).toEqual({ sideFile: path.join(dir, 'events.jsonl.partial-2026-01-02T030405.678Z'), bytes: 11 });
    expect(readFileSync(aside!.sideFile, 'utf8')).toBe('{"type":"st');
    expect(readFileSync(file, 'utf8')).toBe(whole);
    // Already whole, empty, missing, or only a cut line: nothing to do, or everything set aside.
    expect(setAsidePartialLine(file)).toBeUndefined();
    expect(setAsidePartialLine(path.join(dir, 'missing.jsonl'))).toBeUndefined();
    writeFileSync(file, '{"sch');
    expect(setAsidePartialLine(file, new Date('2026-01-02T03:04:05.678Z'))?.sideFile).toBe(path.join(dir, 'events.jsonl.partial-2026-01-02T030405.678Z-2'));
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('a writer after a killed one starts on a whole line: its first event parses, and no line is lost (reproduces issue 12.1)', () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.jsonl');
    writeFileSync(file, `${startedLine('r', 1)}{"schemaVersion":1,"type":"ep`);
    const w = new EventWriter(file, 'r');
    w.write({ type: 'ended', status: 'stopped', epoch: 1, step: 1, elapsedSec: 1 });
    w.close();
    const { events, badLines, partialTail } = parseEventLines(readFileSync(file, 'utf8'));
    expect(badLines).toEqual([]);
    expect(partialTail).toBe('');
    expect(events.map((e) => e.type)).toEqual(['started', 'ended']);
    expect(w.setAside?.bytes).toBe(29);
    // The writer's reserve is gone with it.
    expect(readdirSync(dir).filter((n) => n.includes('reserve'))).toEqual([]);
  });

  it('a write that fails (ENOSPC) is a WriteError naming the file, the free space and what to do; nothing half-written stays', () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.jsonl');
    // /dev/full accepts the open and refuses every write with ENOSPC.
    symlinkSync('/dev/full', file);
    const w = new EventWriter(file, 'full-run');
    let error: unknown;
    try {
      w.write({ type: 'ended', status: 'failed', error: 'x', epoch: 0, step: 0, elapsedSec: 0 });
    } catch (e) {
      error = e;
    }
    w.close();
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe('ENOSPC');
    expect((error as Error).message).toMatch(new RegExp(`The 'ended' event of run full-run could not be written\\. Could not write ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the disk is full \\(ENOSPC\\): .* free of .* there\\. Free some space .*--resume full-run`));
  });

  it('EventTail reads a cut line afresh once the next writer replaced it by whole lines', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.jsonl');
    writeFileSync(file, `${startedLine('r', 1)}{"type":"st`);
    const tail = new EventTail(file);
    expect((await tail.read()).map((e) => e.type)).toEqual(['started']);
    expect(tail.partialLine).toBe('{"type":"st');
    // The resume sets the cut line aside and appends a longer, whole `started`.
    const w = new EventWriter(file, 'r');
    w.write({ type: 'ended', status: 'stopped', epoch: 1, step: 1, elapsedSec: 1 });
    w.close();
    expect((await tail.read()).map((e) => e.type)).toEqual(['ended']);
    expect(tail.badLines).toEqual([]);
  });
});

describe('the run-id rule', () => {
  it('accepts run ids and refuses ., .., separators, hidden and option-like names, with the reason', () => {
    for (const ok of ['synthetic-20260102-030405-beef', 'a', '_x', 'v1.2', 'A_b-c.d']) expect(isRunId(ok), ok).toBe(true);
    for (const bad of ['', '.', '..', '../x', 'a/b', 'a\\b', '.hidden', '-x', 'a b', 'é', 'x'.repeat(201)]) expect(isRunId(bad), bad).toBe(false);
    expect(() => checkRunId('..', '--run-id')).toThrow(/--run-id '\.\.' is not a run id: '\.\.' names a folder, not a run/);
    expect(() => checkRunId('../outside/victim', '--resume')).toThrow(RunIdError);
    expect(runDirIn('/r/runs', 'abc')).toBe('/r/runs/abc');
    expect(() => runDirIn('/r/runs', '../x')).toThrow(/holds a path separator/);
  });

  it('is the rule of --run-id, --resume, eval and export', () => {
    expect(() => parseTrainArgs(['f.tower.yaml', '--run-id', '..'])).toThrow(UsageError);
    expect(() => parseTrainArgs(['--resume', '../outside/victim'])).toThrow(/--resume '\.\.\/outside\/victim' is not a run id: it holds a path separator/);
    expect(() => parseRunArgs('eval', ['..'])).toThrow(/eval '\.\.' is not a run id/);
    expect(() => parseRunArgs('export', ['a/b'])).toThrow(/export 'a\/b' is not a run id/);
    expect(parseTrainArgs(['--resume', 'ok-1']).resume).toBe('ok-1');
  });

  it('generated ids pass it: the experiment slug never starts with . or -', () => {
    expect(slugName('..hidden')).toBe('hidden');
    expect(slugName('-x-')).toBe('x');
    expect(isRunId(`${slugName('.a')}-20260102-030405-beef`)).toBe(true);
  });
});

describe('run.lock: one writer per run folder', () => {
  it('holds pid, host, start and run id; a second taker is refused naming them; release removes it', () => {
    const dir = tempDir();
    const lock = acquireRunLock(dir, 'r1');
    const held = readRunLock(dir);
    expect(held).toMatchObject({ pid: process.pid, host: hostname(), runId: 'r1' });
    let error: unknown;
    try {
      acquireRunLock(dir, 'r1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunLockedError);
    expect((error as Error).message).toContain(`Run r1 is in use: trainer pid ${process.pid} on ${hostname()} has been writing it since ${held !== 'unreadable' && held?.startedAt}`);
    expect(liveLockHolder(dir)?.holder?.pid).toBe(process.pid);
    lock.release();
    expect(existsSync(path.join(dir, 'run.lock'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes over the stale lock of a dead pid on this host (and says so), but not one of another host or an unreadable one', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'run.lock'), lockOf(DEAD_PID, 'r1', '2026-01-01T00:00:00.000Z'));
    const taken: number[] = [];
    const lock = acquireRunLock(dir, 'r1', { onTakeOver: (stale) => taken.push(stale.pid) });
    expect(taken).toEqual([DEAD_PID]);
    expect(readRunLock(dir)).toMatchObject({ pid: process.pid });
    lock.release();
    writeFileSync(path.join(dir, 'run.lock'), lockOf(DEAD_PID, 'r1', '2026-01-01T00:00:00.000Z', 'elsewhere'));
    expect(() => acquireRunLock(dir, 'r1')).toThrow(/trainer pid 4194305 on elsewhere .* stop it on elsewhere; if no trainer of this run is running on elsewhere any more, delete/);
    writeFileSync(path.join(dir, 'run.lock'), '');
    expect(() => acquireRunLock(dir, 'r1')).toThrow(/cannot be read/);
  });

  it('release leaves a lock that is no longer its own (taken over after this holder was judged dead)', () => {
    const dir = tempDir();
    const lock = acquireRunLock(dir, 'r1');
    writeFileSync(path.join(dir, 'run.lock'), lockOf(DEAD_PID + 1, 'r1'));
    lock.release();
    expect(readRunLock(dir)).toMatchObject({ pid: DEAD_PID + 1 });
  });
});

describe('run folders', () => {
  it('appear whole, with their lock and config.yaml; an id that holds a run is refused; a live one names its holder', () => {
    const runs = path.join(tempDir(), 'runs');
    const made = createRunFolder(runs, 'r1', { config: 'name: x\n' });
    expect(readdirSync(made.dir).sort()).toEqual(['config.yaml', 'run.lock']);
    expect(readdirSync(runs)).toEqual(['r1']);
    expect(() => createRunFolder(runs, 'r1')).toThrow(/Run r1 is in use: trainer pid/);
    made.lock.release();
    writeFileSync(made.events, startedLine('r1', DEAD_PID));
    expect(() => createRunFolder(runs, 'r1')).toThrow(RunFolderError);
    expect(() => createRunFolder(runs, 'r1')).toThrow(/already holds run r1; pick another run id, or continue that run with: two-tower-lab train --resume r1/);
    expect(readdirSync(runs)).toEqual(['r1']);
  });

  it('a folder left with only .config.yaml.tmp-<pid> (a full disk) does not block its run id: it is cleared, with a note (reproduces issue 12.3)', () => {
    const runs = path.join(tempDir(), 'runs');
    mkdirSync(path.join(runs, 'r1'), { recursive: true });
    writeFileSync(path.join(runs, 'r1', `.config.yaml.tmp-${DEAD_PID}`), '');
    const notes: string[] = [];
    const made = createRunFolder(runs, 'r1', { config: 'name: x\n', onNote: (n) => notes.push(n) });
    expect(notes).toEqual([`run folder ${made.dir} held no run (only .config.yaml.tmp-${DEAD_PID}); it was cleared for this run.`]);
    expect(readdirSync(made.dir).sort()).toEqual(['config.yaml', 'run.lock']);
    made.lock.release();
  });

  it('--resume removes the temporaries of dead writers and a cut last line, keeps those of live ones (reproduces issue 12.4)', () => {
    const runs = path.join(tempDir(), 'runs');
    const dir = path.join(runs, 'r1');
    mkdirSync(path.join(dir, `checkpoint.tmp-${DEAD_PID}`), { recursive: true });
    mkdirSync(path.join(dir, 'checkpoint'));
    mkdirSync(path.join(dir, 'checkpoint.prev'));
    writeFileSync(path.join(dir, `.config.yaml.tmp-${DEAD_PID}`), '');
    writeFileSync(path.join(dir, `.weights.bin.tmp-${process.ppid}`), 'a live writer');
    writeFileSync(path.join(dir, 'config.yaml'), 'name: x\n');
    writeFileSync(path.join(dir, 'events.jsonl'), `${startedLine('r1', DEAD_PID)}{"ty`);
    writeFileSync(path.join(dir, 'run.lock'), lockOf(DEAD_PID, 'r1'));
    const notes: string[] = [];
    const opened = openRunFolder(runs, 'r1', { onNote: (n) => notes.push(n) });
    expect(notes[0]).toMatch(/^took over the lock of run r1 left by trainer pid 4194305 on .* which is no longer running\.$/);
    expect(notes[1]).toBe(`removed what dead writers left in ${dir}: .config.yaml.tmp-${DEAD_PID}, checkpoint.tmp-${DEAD_PID}, checkpoint.prev.`);
    expect(notes[2]).toMatch(/ended with a cut line \(4 bytes/);
    expect(readdirSync(dir).filter((n) => !n.startsWith('events.jsonl.partial-')).sort()).toEqual([`.weights.bin.tmp-${process.ppid}`, 'checkpoint', 'config.yaml', 'events.jsonl', 'run.lock']);
    opened.lock.release();
    // Hidden folders in the runs folder of dead creators go too; run folders never.
    mkdirSync(path.join(runs, `.r2.tmp-${DEAD_PID}`));
    mkdirSync(path.join(runs, `r3.tmp-${DEAD_PID}`));
    expect(removeDeadWriterTemps(runs, { hiddenOnly: true })).toEqual([`.r2.tmp-${DEAD_PID}`]);
  });

  it('a checkpoint swap keeps checkpoint.prev until the new one is in place when it is the only complete copy', () => {
    const dir = tempDir();
    const target = path.join(dir, 'checkpoint');
    mkdirSync(`${target}.prev`);
    writeFileSync(path.join(`${target}.prev`, 'state.json'), 'old');
    mkdirSync(`${target}.tmp-1`);
    writeFileSync(path.join(`${target}.tmp-1`, 'state.json'), 'new');
    replaceFolder(`${target}.tmp-1`, target);
    expect(readFileSync(path.join(target, 'state.json'), 'utf8')).toBe('new');
    expect(existsSync(`${target}.prev`)).toBe(false);
  });
});

describe('what readers make of a run folder', () => {
  it('no events and a lock of a dead pid: failed, "died during start-up", with that pid (reproduces issue 12.3)', async () => {
    const dir = path.join(tempDir(), 'r1');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'config.yaml'), 'name: x\n');
    writeFileSync(path.join(dir, 'run.lock'), lockOf(DEAD_PID, 'r1'));
    const { summary } = await readRunFolder(dir);
    expect(summary).toMatchObject({ status: 'failed', pid: DEAD_PID });
    expect(summary.error).toMatch(/The trainer \(pid 4194305\) of run r1 died during start-up, before its 'started' event/);
  });

  it('no events and a live lock: queued, with the trainer pid and when it started', async () => {
    const dir = path.join(tempDir(), 'r1');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'run.lock'), lockOf(process.pid, 'r1', '2026-01-01T00:00:00.000Z'));
    expect((await readRunFolder(dir)).summary).toMatchObject({ status: 'queued', pid: process.pid, startingSince: Date.parse('2026-01-01T00:00:00.000Z') });
  });

  it('an ended run whose folder a live trainer holds again (a --resume starting up) is queued, not stopped', async () => {
    const dir = path.join(tempDir(), 'r1');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'events.jsonl'), `${startedLine('r1', DEAD_PID, '2026-01-01T00:00:00.000Z')}${JSON.stringify({ schemaVersion: 1, time: '2026-01-01T00:00:05.000Z', runId: 'r1', type: 'ended', status: 'stopped', epoch: 1, step: 1, elapsedSec: 5 })}\n`);
    expect((await readRunFolder(dir)).summary.status).toBe('stopped');
    writeFileSync(path.join(dir, 'run.lock'), lockOf(process.pid, 'r1'));
    expect((await readRunFolder(dir)).summary).toMatchObject({ status: 'queued', pid: process.pid });
  });
});
