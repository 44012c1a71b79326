/**
 * How a served user vector and item vector are compared, from the towers' `l2_normalize`: the cosine
 * when both vectors are unit length, else the plain dot product (inner product). The bundle's manifest
 * records it and the item index is built with it.
 */
import type { Experiment } from '../config/schema';

export type ScoreMetric = 'cosine' | 'dot';

export function scoreMetric(config: Pick<Experiment, 'user_tower' | 'item_tower'>): ScoreMetric {
  return config.user_tower.l2_normalize && config.item_tower.l2_normalize ? 'cosine' : 'dot';
}
