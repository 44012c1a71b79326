/**
 * How a plots panel follows a run folder: every event written so far, then each batch the trainer
 * appends, through the host's one follower of that folder (shared with the live-run tracker). No `vscode` import.
 */
import { runFolders } from '../runs/runFolderFollower';
import type { TrainerEvent } from '../../shared/events';

export interface Subscription {
  dispose(): void;
}

export function followRunFolder(runDir: string, onEvents: (events: TrainerEvent[]) => void, onError: (error: Error) => void, pollMs?: number): Subscription {
  return runFolders.follow(runDir, { onEvents, onError, ...(pollMs !== undefined ? { pollMs } : {}) });
}
