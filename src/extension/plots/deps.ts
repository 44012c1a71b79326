/** What the plots panel needs from the rest of the extension; `registerPlots` takes it. */
import type { TrainerEvent } from '../../shared/events';

export interface PlotsDeps {
  /**
   * Follows one run folder: calls `onEvents` first with every event written so far (possibly none),
   * then with each batch appended later, until disposed. Defaults to `followRunFolder` (file tail).
   */
  followRun?(runDir: string, onEvents: (events: TrainerEvent[]) => void): { dispose(): void };
  /** The user selected these runs in the runs table (e.g. to reveal them in the experiments tree). */
  onSelectRuns?(runIds: string[]): void;
  /** Where failures go (the extension's `Ui`): logged in full and shown in one line. */
  ui: {
    error(what: string, err: unknown): void;
    info(message: string): void;
  };
}
