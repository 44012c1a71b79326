/**
 * The trainer's lines about hard negatives: at the start what each rank band yields (a warning for a
 * band that yields nothing, whose hard slots silently become easy ones), after each epoch the share
 * of hard slots that fell back to easy negatives, and the yield of each mining.
 */
import type { HardBandYield, HardNegativesReport, SamplingEvent, StartedEvent } from '../shared/events';

const count = (n: number): string => n.toLocaleString('en-US');
const percent = (share: number): string => `${(100 * share).toFixed(1)}%`;
const bandName = (b: HardBandYield): string => `${b.band} [${b.from}, ${b.to})`;

function bandYield(b: HardBandYield): string {
  return b.candidates > 0 ? `${bandName(b)} ${count(b.candidates)} candidates for ${count(b.usersWithCandidates)}/${count(b.users)} users` : `${bandName(b)} 0 candidates`;
}

/** What an empty band means for the hard slots, why it is empty, and what to do about it. */
export function emptyBandWarning(report: HardNegativesReport, band: HardBandYield): string {
  const others = (report.bands ?? []).filter((b) => b !== band && b.candidates > 0);
  const consequence =
    others.length > 0 ? `hard slots draw only ${others.map(bandName).join(' and ')} candidates` : `every hard slot falls back to an easy negative`;
  const head = `warning: training.negatives.hard.${bandName(band)} yields no candidate, so ${consequence}.`;
  if (report.source === 'mined') {
    const topK = report.mineTopK;
    const why =
      topK !== undefined && band.from >= topK
        ? ` Mining retrieves the top ${topK} items per user (mine_top_k, at most the catalogue), so its ranks stay below ${topK} and cannot reach ${band.from}.`
        : ' No mined item lies that far down a user\'s list.';
    return `${head}${why} Lower the band, or raise training.negatives.hard.mine_top_k if the catalogue allows.`;
  }
  const ranks = report.logRanks;
  if (ranks !== undefined && band.from > ranks.max) {
    return (
      `${head} The ranking log's ranks run from ${ranks.min} to ${ranks.max}, and a band counts ranks behind the user's target, so it cannot reach ${band.from}. ` +
      'Move the band within the log\'s ranks, use a deeper ranking log, or mine hard negatives with the model (training.negatives.hard.source: mined).'
    );
  }
  return `${head} No discarded item of the ranking log lies that far behind a user's target. Move the band, or mine hard negatives with the model (training.negatives.hard.source: mined).`;
}

/** Turns the run's hard-negative reports into lines; each empty band is warned about once. */
export class HardNegativeNotes {
  private readonly warned = new Set<string>();

  /** The lines for the `started` event: nothing without hard negatives. */
  started(event: StartedEvent): string[] {
    const report = event.hardNegatives;
    if (!report) return [];
    if (report.firstMiningBeforeEpoch !== undefined) {
      const bands = (report.bands ?? []).map(bandName).join(', ');
      const before = report.firstMiningBeforeEpoch;
      const easy = before === 2 ? 'epoch 1 fills' : `epochs 1–${before - 1} fill`;
      return [`hard negatives (mined, ${bands}): the pools are empty until the model mines them before epoch ${before}, so ${easy} every hard slot with an easy negative`];
    }
    const source = report.logRanks ? `ranking_log, ranks ${report.logRanks.min}–${report.logRanks.max}` : report.source;
    return this.yieldLines(report, `hard negatives (${source})`);
  }

  /** The lines for a `sampling` event: the yield of pools mined before the epoch, and the fallback share of its hard slots. */
  sampling(event: SamplingEvent): string[] {
    const lines = event.hardNegatives ? this.yieldLines(event.hardNegatives, `  mined before epoch ${event.epoch}`) : [];
    const fallback = event.distribution.hardFallback;
    if (fallback?.slots !== undefined && fallback.slots > 0) {
      const fell = fallback.fellBack ?? Math.round(fallback.share * fallback.slots);
      lines.push(`  hard slots ${count(fallback.slots)}: ${fell > 0 ? `${percent(fallback.share)} fell back to easy negatives (users without a hard candidate)` : 'none fell back to easy negatives'}`);
    }
    return lines;
  }

  private yieldLines(report: HardNegativesReport, label: string): string[] {
    const expected = `${percent(report.fallbackShare)} of hard slots expected to fall back to easy negatives`;
    if (!report.bands) return [`${label}: ${count(report.usersWithPool)}/${count(report.users)} users have candidates (per band: not recorded in this checkpoint); ${expected}`];
    const lines = [`${label}: ${report.bands.map(bandYield).join('; ')}; ${expected}`];
    for (const band of report.bands) {
      const key = `${report.source} ${bandName(band)}`;
      if (band.candidates > 0 || this.warned.has(key)) continue;
      this.warned.add(key);
      lines.push(emptyBandWarning(report, band));
    }
    return lines;
  }
}
