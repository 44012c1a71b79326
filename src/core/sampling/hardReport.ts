/**
 * What a run's hard negatives amount to, for the `started` event (and the `sampling` event of each
 * epoch whose pools were mined before it): per used rank band, the candidates and the users who have
 * one, and the share of hard slots expected to fall back to easy negatives. A band that yields
 * nothing must be said out loud, since its hard slots silently become easy ones. Read from the pools
 * the sampler holds (their builders count the band yields); nothing is rebuilt here.
 */
import type { HardBandYield, HardNegativesReport } from '../../shared/events';
import type { NegativesConfig } from '../config/schema';
import type { PositivePairs, RankingLogData } from '../data/dataset';
import { expectedHardFallback, hardSamplerOf } from './distribution';
import { MinedHardNegativeSampler, namedBandsFromConfig, type HardPools } from './hard';
import type { NegativeSampler } from './types';
import type { UserPositiveIndex } from './userPositives';

export interface HardReportInputs {
  sampler: NegativeSampler | undefined;
  hard: NegativesConfig['hard'];
  userPositives: UserPositiveIndex;
  /** The positives batches are cut from (rebalanced or not): the rows that draw hard slots. */
  pairs: PositivePairs;
  rankingLog?: RankingLogData;
  /** The epoch about to be trained, counted from 0. */
  epoch: number;
}

/** The report, or undefined when the run draws no hard negatives. */
export function hardNegativesReport(inputs: HardReportInputs): HardNegativesReport | undefined {
  const sampler = hardSamplerOf(inputs.sampler);
  if (!sampler) return undefined;
  const pools = sampler.currentPools;
  const { userPositives } = inputs;
  const users = usersWithPositives(userPositives);
  const report: HardNegativesReport = {
    source: sampler.kind === 'hard_log' ? 'ranking_log' : 'mined',
    usersWithPool: drawingUsersWithPool(pools, userPositives),
    users,
    fallbackShare: expectedHardFallback(pools, inputs.pairs).share,
  };
  const named = namedBandsFromConfig(inputs.hard);
  const notMinedYet = sampler instanceof MinedHardNegativeSampler && inputs.epoch < sampler.firstMiningEpoch && pools.items.length === 0;
  const yields = pools.bandYields ?? (notMinedYet ? named.map(() => ({ candidates: 0, users: 0 })) : undefined);
  if (yields && yields.length === named.length) {
    report.bands = named.map(({ name, band: [from, to] }, b): HardBandYield => ({ band: name, from, to, candidates: yields[b].candidates, usersWithCandidates: yields[b].users, users }));
  }
  if (sampler.kind === 'hard_log' && inputs.rankingLog && inputs.rankingLog.ranks.length > 0) report.logRanks = rankRange(inputs.rankingLog.ranks);
  if (sampler instanceof MinedHardNegativeSampler) {
    report.mineTopK = sampler.topK;
    if (notMinedYet) report.firstMiningBeforeEpoch = sampler.firstMiningEpoch + 1;
  }
  return report;
}

function usersWithPositives({ offsets }: UserPositiveIndex): number {
  let n = 0;
  for (let u = 0; u + 1 < offsets.length; u++) if (offsets[u + 1] > offsets[u]) n++;
  return n;
}

/** Users who draw hard slots (they have training positives) and have a non-empty pool. */
function drawingUsersWithPool({ offsets }: HardPools, userPositives: UserPositiveIndex): number {
  let n = 0;
  const count = Math.min(offsets.length, userPositives.offsets.length) - 1;
  for (let u = 0; u < count; u++) if (offsets[u + 1] > offsets[u] && userPositives.offsets[u + 1] > userPositives.offsets[u]) n++;
  return n;
}

function rankRange(ranks: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let r = 0; r < ranks.length; r++) {
    if (ranks[r] < min) min = ranks[r];
    if (ranks[r] > max) max = ranks[r];
  }
  return { min, max };
}
