/**
 * The end-of-run line of a run that ended below the popularity baseline, read back from its events (the
 * same summary the editor's tree reads, so both engines and both places say the same thing).
 */
import { readFileSync } from 'node:fs';

import { belowPopularity, belowPopularityLine } from '../core/runs/belowPopularity';
import { summarizeRun } from '../core/runs/runSummary';
import type { RunPaths } from '../core/train/runFolder';
import { parseEventLines } from '../shared/events';

/** `⚠ below popularity on recall@50 (…): reasons; see …`, or undefined when the run is at or above it. */
export function belowPopularityNote(paths: Pick<RunPaths, 'runId' | 'events'>): string | undefined {
  let text: string;
  try {
    text = readFileSync(paths.events, 'utf8');
  } catch {
    return undefined;
  }
  const verdict = belowPopularity(summarizeRun(paths.runId, parseEventLines(text).events, { isAlive: () => false }));
  return verdict && `⚠ ${belowPopularityLine(verdict)}`;
}
