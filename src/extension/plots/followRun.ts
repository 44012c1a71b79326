/**
 * The default way the plots panel follows a run folder: every event written so far, then each batch the
 * trainer appends. Uses the same incremental tail as the run manager (complete lines only). No `vscode`
 * import. `fs.watch` can miss changes (network drives, some containers), so a slow poll backs it up.
 */
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { EventTail } from '../../core/runs/eventTail';
import { EVENTS_FILE } from '../../core/runs/runsDir';
import type { TrainerEvent } from '../../shared/events';

export interface Subscription {
  dispose(): void;
}

export function followRunFolder(runDir: string, onEvents: (events: TrainerEvent[]) => void, onError: (error: Error) => void, pollMs = 1000): Subscription {
  const tail = new EventTail(join(runDir, EVENTS_FILE));
  let disposed = false;
  let reading = false;
  let again = false;
  let first = true;

  const read = async (): Promise<void> => {
    // One read at a time: a burst of watch events collapses into one more read after the current one.
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        const events = await tail.read();
        if (disposed) return;
        if (events.length > 0 || first) onEvents(events);
        first = false;
      } while (again && !disposed);
    } catch (error) {
      onError(new Error(`Cannot read ${join(runDir, EVENTS_FILE)}: ${error instanceof Error ? error.message : String(error)}`));
    } finally {
      reading = false;
    }
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(runDir, () => void read());
    watcher.on('error', () => watcher?.close());
  } catch (error) {
    // The folder may not exist yet (a queued run); the poll below picks the file up when it appears.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onError(error instanceof Error ? error : new Error(String(error)));
  }
  const timer = setInterval(() => void read(), pollMs);
  void read();
  return {
    dispose: () => {
      disposed = true;
      clearInterval(timer);
      watcher?.close();
    },
  };
}
