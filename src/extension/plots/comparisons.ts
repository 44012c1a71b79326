/**
 * The runs table's comparisons, computed in the extension host: each shown run against the reference
 * run (the user's choice, else the first shown) with a 95% paired bootstrap interval of every per-user
 * metric, exactly as `two-tower-lab compare` computes it (src/core/runs/runComparison.ts and
 * src/core/stats/bootstrap.ts, with compare's default resamples and seed, so both print the same
 * numbers). Pure TypeScript: it reads the runs' `eval/epoch-N.bin` files, no engine. A pair is
 * bootstrapped again only when one of its two files changed, and the host's event loop gets a turn
 * between pairs.
 */
import { statSync } from 'node:fs';

import type { Experiment } from '../../core/config/schema';
import { NotComparable, pairRuns, readComparableRun, readRunConfig, type ComparableRun } from '../../core/runs/runComparison';
import { DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES } from '../../core/stats/bootstrap';
import type { StartedEvent } from '../../shared/events';
import type { ComparisonsMessage, MetricDifference, RunComparison } from '../../shared/webviewProtocol';

/** A shown run as the panel host knows it: its folder and the last `started` event it read. */
export interface ComparedRunInput {
  runId: string;
  runDir: string;
  started?: StartedEvent;
}

export interface ComparisonOptions {
  resamples?: number;
  seed?: number;
}

type Side = { side: ComparableRun; key: string } | { reason: string };

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class RunComparisons {
  readonly resamples: number;
  readonly seed: number;
  /** Configs by run folder: a run's config.yaml does not change once written. */
  private readonly configs = new Map<string, Experiment>();
  /** Results by the two per-user files (path, mtime, size) they were bootstrapped from. */
  private readonly pairs = new Map<string, RunComparison>();
  private generation = 0;

  constructor(options: ComparisonOptions = {}) {
    this.resamples = options.resamples ?? DEFAULT_RESAMPLES;
    this.seed = options.seed ?? DEFAULT_BOOTSTRAP_SEED;
  }

  /**
   * Every run against the reference (`chosen` when shown, else the first run); undefined with fewer
   * than two runs, or when a later call started before this one finished (its result is the one to send).
   */
  async compute(runs: readonly ComparedRunInput[], chosen: string | null, yieldTurn: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve))): Promise<ComparisonsMessage | undefined> {
    const generation = ++this.generation;
    if (runs.length < 2) return undefined;
    const reference = runs.find((r) => r.runId === chosen) ?? runs[0];
    const base = this.side(reference);
    const results: RunComparison[] = [];
    const used = new Set<string>();
    for (const run of runs) {
      if (run === reference) {
        results.push('reason' in base ? { runId: run.runId, status: 'unavailable', reason: base.reason } : { runId: run.runId, status: 'reference', model: modelOf(base.side), users: base.side.perUser.users.length });
        continue;
      }
      if ('reason' in base) {
        results.push({ runId: run.runId, status: 'unavailable', reason: `The reference run ${reference.runId} cannot be compared yet: ${base.reason}` });
        continue;
      }
      const other = this.side(run);
      if ('reason' in other) {
        results.push({ runId: run.runId, status: 'unavailable', reason: other.reason });
        continue;
      }
      const key = `${other.key}\u0000${base.key}`;
      used.add(key);
      let result = this.pairs.get(key);
      if (result === undefined) {
        result = this.pair(other.side, base.side);
        this.pairs.set(key, result);
        await yieldTurn();
        if (generation !== this.generation) return undefined;
      }
      results.push(result);
    }
    for (const key of [...this.pairs.keys()]) if (!used.has(key)) this.pairs.delete(key);
    return { type: 'comparisons', referenceRunId: reference.runId, resamples: this.resamples, seed: this.seed, runs: results };
  }

  private side(run: ComparedRunInput): Side {
    try {
      let config = this.configs.get(run.runDir);
      if (config === undefined) {
        config = readRunConfig(run.runDir, run.runId);
        this.configs.set(run.runDir, config);
      }
      const side = readComparableRun(run.runDir, run.runId, config, run.started);
      const stat = statSync(side.model.file);
      // The split identity goes into the key too: a resumed run's new `started` may say other dataset counts.
      return { side, key: `${run.runId}\u0000${side.model.file}\u0000${stat.mtimeMs}\u0000${stat.size}\u0000${JSON.stringify(run.started?.dataset ?? null)}` };
    } catch (error) {
      // A missing model or per-user file (NotComparable) or a damaged one (PerUserFileError): the reason is the message.
      return { reason: messageOf(error) };
    }
  }

  private pair(run: ComparableRun, reference: ComparableRun): RunComparison {
    try {
      const paired = pairRuns(run, reference, { resamples: this.resamples, seed: this.seed });
      const metrics: Record<string, MetricDifference> = {};
      for (const m of paired.metrics) metrics[m.metric] = { difference: m.difference, low: m.low, high: m.high, excludesZero: m.excludesZero };
      return { runId: run.runId, status: 'compared', model: modelOf(run), users: paired.users, metrics };
    } catch (error) {
      if (error instanceof NotComparable) return { runId: run.runId, status: 'notComparable', reason: error.message };
      return { runId: run.runId, status: 'unavailable', reason: messageOf(error) };
    }
  }
}

function modelOf(side: ComparableRun): { which: 'best' | 'last'; epoch: number } {
  return { which: side.model.which, epoch: side.model.epoch };
}
