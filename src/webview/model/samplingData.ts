/**
 * The sampling-distribution chart: for one run at one epoch, the share of positives and of each kind of
 * negative in each item-popularity decile (decile 1 = the most popular tenth of items).
 */
import type { HardFallback, SamplingDistribution } from '../../shared/events';
import type { RunRecord, SamplingSnapshot } from './runStore';

export interface SamplingChartData {
  runId: string;
  epoch: number;
  /** 1..10. */
  x: number[];
  series: { label: string; kind: 'positives' | 'negatives' | 'logq'; values: number[] }[];
  /** With hard negatives: the share of hard slots that fell back to easy ones (expected at start, counted per epoch). */
  hardFallback?: string;
}

/** Runs that have at least one distribution to show. */
export function runsWithSampling(runs: RunRecord[]): RunRecord[] {
  return runs.filter((r) => r.sampling.length > 0);
}

/** The snapshot at `epoch`, or the latest one when that epoch has none (or no epoch is asked for). */
export function pickSnapshot(run: RunRecord, epoch?: number): SamplingSnapshot | undefined {
  return run.sampling.find((s) => s.epoch === epoch) ?? run.sampling.at(-1);
}

function checkDeciles(label: string, values: number[], runId: string, epoch: number): number[] {
  if (values.length !== 10) {
    throw new Error(`Run "${runId}", sampling at epoch ${epoch}: "${label}" has ${values.length} values, expected 10 (one per popularity decile). The trainer wrote a malformed sampling event.`);
  }
  return values;
}

export function samplingChartData(runId: string, snapshot: SamplingSnapshot): SamplingChartData {
  const d: SamplingDistribution = snapshot.distribution;
  const series: SamplingChartData['series'] = [{ label: 'positives', kind: 'positives', values: checkDeciles('positives', d.positives, runId, snapshot.epoch) }];
  for (const kind of Object.keys(d.negatives).sort()) {
    series.push({ label: `negatives: ${kind}`, kind: 'negatives', values: checkDeciles(kind, d.negatives[kind], runId, snapshot.epoch) });
  }
  if (d.logqP) series.push({ label: 'logQ mean p', kind: 'logq', values: checkDeciles('logqP', d.logqP, runId, snapshot.epoch) });
  const data: SamplingChartData = { runId, epoch: snapshot.epoch, x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], series };
  if (d.hardFallback) data.hardFallback = hardFallbackText(d.hardFallback);
  return data;
}

/** E.g. `hard slots that fell back to easy negatives (users without a hard candidate): 12.5% (1,250 of 10,000)`; without counts, the expected share. */
export function hardFallbackText(f: HardFallback): string {
  const share = `${(100 * f.share).toFixed(1)}%`;
  if (f.slots === undefined || f.fellBack === undefined) return `hard slots expected to fall back to easy negatives (users without a hard candidate): ${share}`;
  return `hard slots that fell back to easy negatives (users without a hard candidate): ${share} (${f.fellBack.toLocaleString('en-US')} of ${f.slots.toLocaleString('en-US')})`;
}
