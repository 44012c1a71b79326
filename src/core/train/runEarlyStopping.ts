/** Early stopping on an evaluation metric (higher is better for every metric we compute). */
import type { EarlyStoppingState } from './checkpoint';

export function initialEarlyStopping(): EarlyStoppingState {
  return { best: null, bestEpoch: 0, evalsWithoutImprovement: 0 };
}

/** Records one evaluation; returns true when training should stop (patience exhausted). */
export function updateEarlyStopping(state: EarlyStoppingState, value: number, epoch: number, patience: number | undefined, minDelta: number): boolean {
  if (state.best === null || value > state.best + minDelta) {
    state.best = value;
    state.bestEpoch = epoch;
    state.evalsWithoutImprovement = 0;
  } else {
    state.evalsWithoutImprovement++;
  }
  return patience !== undefined && state.evalsWithoutImprovement >= patience;
}
