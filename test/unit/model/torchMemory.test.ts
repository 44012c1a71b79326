/**
 * The torch engine's memory per process and per node, derived by hand on a tiny model: every process holds
 * a replica, DDP adds a copy of the dense gradients when there is more than one process, and rank 0 holds
 * the weights and slots three times more while it writes a checkpoint.
 */
import { describe, expect, it } from 'vitest';

import { estimateModelMemory } from '../../../src/core/model/memory';
import { estimateTorchMemory } from '../../../src/core/model/torchMemory';
import { tinyExperiment, tower } from './fixtures';

const plain = () => tower({ mlp: { hidden: [], activation: 'relu', dropout: 0 }, output_dim: 2 });

function torchOf(training: Parameters<typeof tinyExperiment>[0]) {
  const config = { ...tinyExperiment(training), user_tower: plain(), item_tower: plain() };
  return estimateTorchMemory(estimateModelMemory(config, { idRows: { user_tower: 4, item_tower: 5 } }), config);
}

describe('estimateTorchMemory', () => {
  // Parameters (as in memory.test.ts): tables 16 + 20 floats, dense output layers 10 + 10: 56 floats, 20 dense.
  it('one process with Adam: the replica (56 × 3 × 4 = 672 B and 80 B of dense gradients), rank 0 three times the state more', () => {
    const e = torchOf({ engine: 'torch', engine_options: { processes: 1, nodes: 1, device: 'cpu' } });
    expect(e.perProcessBytes).toBe(672 + 80);
    expect(e.rankZeroPeakBytes).toBe(752 + 3 * 672);
    expect(e.nodePeakBytes).toBe(2768);
  });

  it("four processes: DDP's buckets in each (80 B more), the node holds rank 0's peak and three more replicas", () => {
    const e = torchOf({ engine: 'torch', engine_options: { processes: 4, nodes: 1, device: 'cpu' } });
    expect(e.perProcessBytes).toBe(672 + 160);
    expect(e.rankZeroPeakBytes).toBe(832 + 2016);
    expect(e.nodePeakBytes).toBe(2848 + 3 * 832);
  });

  it('Adagrad on two nodes of one process: one slot (448 B of state), buckets for a world of 2, one process per node', () => {
    const e = torchOf({ engine: 'torch', optimizer: 'adagrad', engine_options: { processes: 1, nodes: 2, device: 'cpu' } });
    expect(e.perProcessBytes).toBe(448 + 160);
    expect(e.nodePeakBytes).toBe(608 + 3 * 448);
  });
});
