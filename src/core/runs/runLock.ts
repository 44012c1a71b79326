/**
 * One writer per run folder. The trainer that writes a run (a fresh run, or `--resume`) holds
 * `<run>/run.lock` for its whole lifetime: a JSON object with its pid, host and start time. The lock is
 * created exclusively: written under a temporary name and hard-linked to `run.lock`, which fails when
 * it exists (the guarantee of O_EXCL, without a moment where the lock exists half-written); where the
 * file system has no hard links it is created with O_EXCL. A lock whose pid is dead on this host is
 * stale and is taken over; a live holder (or one on another host, which cannot be checked) means
 * "in use". Readers use the lock as the trainer's pid record: a run with a lock and no `started` event
 * whose pid is gone died during start-up. No `vscode` import.
 */
import { linkSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { writeError } from '../train/writeError';
import { LOCK_FILE, RunStoreRefusal, tempName } from './runFiles';
import { isProcessAlive } from './runSummary';

export interface RunLockInfo {
  pid: number;
  host: string;
  /** ISO-8601 time the lock was taken. */
  startedAt: string;
  runId: string;
}

export interface LockOptions {
  /** Whether a pid of this host is alive (default: signal 0). */
  isAlive?: (pid: number) => boolean;
  host?: string;
  /** Called when a stale lock (its pid is gone) was taken over. */
  onTakeOver?: (stale: RunLockInfo) => void;
}

/** The lock is held by a live trainer (or one on another host): the run folder is in use. */
export class RunLockedError extends RunStoreRefusal {
  constructor(
    readonly runId: string,
    readonly lockFile: string,
    readonly holder: RunLockInfo | undefined,
    host = hostname(),
  ) {
    super(lockedMessage(runId, lockFile, holder, host));
  }
}

/** What a refusal says: the holder (pid, host, start), the run, and what to do. */
export function lockedMessage(runId: string, lockFile: string, holder: RunLockInfo | undefined, host = hostname()): string {
  if (holder === undefined) {
    return `Run ${runId} is locked by ${lockFile}, which cannot be read (empty or not JSON). If no trainer is writing run ${runId}, delete that file and try again.`;
  }
  const elsewhere = holder.host !== host;
  return (
    `Run ${runId} is in use: trainer pid ${holder.pid} on ${holder.host} has been writing it since ${holder.startedAt} (${lockFile}). ` +
    `Only one trainer may write a run folder at a time. Wait for that run to end, or stop it${elsewhere ? ` on ${holder.host}` : ` (kill ${holder.pid})`}; ` +
    `if ${elsewhere ? `no trainer of this run is running on ${holder.host} any more` : `pid ${holder.pid} is not a two-tower-lab trainer`}, delete ${lockFile}.`
  );
}

export class RunLock {
  private released = false;
  private readonly onExit = (): void => this.release();

  constructor(
    readonly file: string,
    readonly info: RunLockInfo,
  ) {
    // process.exit() (a second Ctrl-C, a crash handler) skips `finally` blocks: release then too.
    process.on('exit', this.onExit);
  }

  /** The same lock after its folder was renamed (a fresh run folder moved into place): this one is retired. */
  movedTo(file: string): RunLock {
    this.released = true;
    process.off('exit', this.onExit);
    return new RunLock(file, this.info);
  }

  /** Removes the lock if it is still this holder's; safe to call more than once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    const now = readLockFile(this.file);
    if (now !== undefined && now !== 'unreadable' && now.pid === this.info.pid && now.startedAt === this.info.startedAt) rmSync(this.file, { force: true });
  }
}

/** Reads `<dir>/run.lock`: its holder, undefined when there is none, 'unreadable' when it is not a lock. */
export function readRunLock(dir: string): RunLockInfo | 'unreadable' | undefined {
  return readLockFile(path.join(dir, LOCK_FILE));
}

function readLockFile(file: string): RunLockInfo | 'unreadable' | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const v = JSON.parse(text) as Partial<RunLockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.startedAt === 'string' && typeof v.runId === 'string') return v as RunLockInfo;
  } catch (error) {
    // Not JSON: reported as unreadable, which callers treat as held.
    void error;
  }
  return 'unreadable';
}

/** Whether a holder still runs: false only when it is on this host and its pid is gone. */
export function holderAlive(holder: RunLockInfo, options: Pick<LockOptions, 'isAlive' | 'host'> = {}): boolean {
  if (holder.host !== (options.host ?? hostname())) return true;
  return (options.isAlive ?? isProcessAlive)(holder.pid);
}

/** The live holder of a run folder's lock, if any (a stale lock of a dead pid is not one). */
export function liveLockHolder(dir: string, options: Pick<LockOptions, 'isAlive' | 'host'> = {}): { holder: RunLockInfo | undefined; lockFile: string } | undefined {
  const holder = readRunLock(dir);
  if (holder === undefined) return undefined;
  if (holder !== 'unreadable' && !holderAlive(holder, options)) return undefined;
  return { holder: holder === 'unreadable' ? undefined : holder, lockFile: path.join(dir, LOCK_FILE) };
}

/**
 * Takes the lock of run folder `dir` for this process, taking over a stale one; throws RunLockedError
 * when a live trainer holds it. The lock is released by `release()` or when the process exits.
 */
export function acquireRunLock(dir: string, runId: string, options: LockOptions = {}): RunLock {
  const host = options.host ?? hostname();
  const file = path.join(dir, LOCK_FILE);
  const info: RunLockInfo = { pid: process.pid, host, startedAt: new Date().toISOString(), runId };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(file, `${JSON.stringify(info)}\n`)) return new RunLock(file, info);
    const holder = readLockFile(file);
    if (holder === undefined) continue; // released between our attempt and the read
    if (holder === 'unreadable' || holderAlive(holder, { ...options, host })) throw new RunLockedError(runId, file, holder === 'unreadable' ? undefined : holder, host);
    if (takeOver(file, holder)) options.onTakeOver?.(holder);
  }
  throw new RunLockedError(runId, file, asInfo(readLockFile(file)), host);
}

function asInfo(v: RunLockInfo | 'unreadable' | undefined): RunLockInfo | undefined {
  return v === 'unreadable' ? undefined : v;
}

/** Creates `file` with `text` unless it exists: true when this call created it. */
function createExclusive(file: string, text: string): boolean {
  const staged = path.join(path.dirname(file), tempName(`.${path.basename(file)}`));
  try {
    writeFileSync(staged, text);
  } catch (error) {
    rmSync(staged, { force: true });
    throw writeError(file, error);
  }
  try {
    linkSync(staged, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
  } finally {
    rmSync(staged, { force: true });
  }
  // No hard links on this file system (FAT, some network shares): O_EXCL create.
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    if (writeSync(fd, text) !== Buffer.byteLength(text)) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
  } catch (error) {
    rmSync(file, { force: true });
    throw writeError(file, error);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a stale lock. It is first renamed to a name of our own, so that of two trainers taking over
 * the same stale lock at once only one removes it; if what we renamed is not the stale lock we judged
 * (another trainer took it over in between), it is put back and the next attempt reports that holder.
 */
function takeOver(file: string, stale: RunLockInfo): boolean {
  const mine = path.join(path.dirname(file), tempName(`.${path.basename(file)}.stale`));
  try {
    renameSync(file, mine);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = readLockFile(mine);
  if (moved !== undefined && moved !== 'unreadable' && moved.pid === stale.pid && moved.startedAt === stale.startedAt) {
    rmSync(mine, { force: true });
    return true;
  }
  try {
    linkSync(mine, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(mine, { force: true });
  }
  return false;
}
