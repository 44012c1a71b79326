/**
 * Finds run folders that a terminal (the CLI) creates, with node's own fs.watch (inotify on Linux), beside
 * VS Code's FileSystemWatcher. VS Code's watcher can miss a file created inside a folder that was itself
 * just created (seen in code-server: a CLI run never appeared), and a run folder is exactly that: a new
 * folder, then its events.jsonl. Only the runs folder and the run folders still waiting for their first
 * event are watched, never the whole tree; once the caller has seen a run start, its folder is released.
 *
 * On a network share (NFS, SMB, most FUSE mounts) the kernel reports only this machine's own changes: a run
 * that a cluster job writes into a mounted runs folder makes no event here. So the runs folder is also listed
 * every `rescanMs` (one readdir), and each run folder not yet settled is reported again.
 */
import { existsSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { EVENTS_FILE } from '../../core/runs/runFiles';
import { isRunId } from '../../core/runs/runId';

/** How often the runs folder is listed for runs that no file event announced (a cluster job on a mounted share). */
export const RESCAN_MS = 10_000;

export interface RunsDirWatch {
  dispose(): void;
}

/**
 * Calls `onRunFolder(dir)` when a run folder appears in `runsDir` or its events.jsonl is written, until
 * `isSettled(dir)` says the caller follows that run by itself. While `runsDir` does not exist yet, its
 * existence is checked every `retryMs` (a stat, not a scan).
 */
export function watchRunsDir(runsDir: string, onRunFolder: (dir: string) => Promise<void>, isSettled: (dir: string) => boolean, retryMs = 2000, rescanMs = RESCAN_MS): RunsDirWatch {
  let disposed = false;
  let root: FSWatcher | undefined;
  let retry: NodeJS.Timeout | undefined;
  let rescan: NodeJS.Timeout | undefined;
  const pending = new Map<string, FSWatcher>();

  const release = (dir: string): void => {
    pending.get(dir)?.close();
    pending.delete(dir);
  };

  const report = (dir: string): void => {
    if (disposed) return;
    // The caller reports its own read errors; settling is judged once its read is done.
    void onRunFolder(dir).then(() => {
      if (isSettled(dir)) release(dir);
    });
  };

  const watchRunFolder = (dir: string): void => {
    // Only run folders: a fresh one is made under a hidden temporary name, then renamed into place.
    if (!isRunId(path.basename(dir)) || pending.has(dir) || isSettled(dir)) return;
    try {
      const w = watch(dir, (_event, name) => {
        if (name === null || name === EVENTS_FILE) report(dir);
      });
      w.on('error', () => release(dir)); // the folder was deleted: VS Code's watcher reports that
      pending.set(dir, w);
    } catch (error) {
      // The folder vanished between the event and the watch; nothing to follow.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return;
    }
    // Report the folder now (a run about to start shows as queued): its events.jsonl may even be written already.
    report(dir);
  };

  const start = (): void => {
    if (disposed) return;
    if (!existsSync(runsDir)) {
      retry = setTimeout(start, retryMs);
      return;
    }
    root = watch(runsDir, (_event, name) => {
      if (name === null) return;
      const dir = path.join(runsDir, name.toString());
      if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) watchRunFolder(dir);
    });
    // Folders made before the watch started (e.g. together with the runs folder) get no event: list them once.
    for (const name of readdirSync(runsDir)) {
      const dir = path.join(runsDir, name);
      if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) watchRunFolder(dir);
    }
    rescan ??= setInterval(() => {
      if (!root) return;
      let names: string[];
      try {
        names = readdirSync(runsDir);
      } catch (error) {
        // The runs folder went away: its watcher's error handler waits for it to come back.
        void error;
        return;
      }
      for (const name of names) {
        const dir = path.join(runsDir, name);
        if (!isRunId(name) || isSettled(dir)) continue;
        if (pending.has(dir)) report(dir);
        else if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) watchRunFolder(dir);
      }
    }, rescanMs);
    root.on('error', () => {
      // The runs folder was deleted: wait for it to come back.
      root?.close();
      root = undefined;
      if (!disposed) retry = setTimeout(start, retryMs);
    });
  };

  start();
  return {
    dispose(): void {
      disposed = true;
      if (retry) clearTimeout(retry);
      if (rescan) clearInterval(rescan);
      root?.close();
      for (const w of pending.values()) w.close();
      pending.clear();
    },
  };
}
