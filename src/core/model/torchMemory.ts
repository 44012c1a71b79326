/**
 * The memory of a torch run (python/two_tower_lab), per process and per node, from the same parameter
 * list as the tfjs estimate (model/memory.ts). Every process holds a replica: the weights and the
 * optimiser's slots (the lazy update keeps slots of every table row), the dense layers' gradients, and
 * with more than one process DDP's gradient buckets (a second copy of the dense gradients); the tables'
 * gradients are sparse (the rows a batch touched: small). Rank 0, while it writes a checkpoint, holds the
 * weights and slots three times more (checkpoint.py: the numpy weight map, np.concatenate of it, and the
 * bytes of that). The training pairs cost ≈ 32 B per positive in every process (≈ 48 B at start-up,
 * docs/scale-out.md); the editor does not know the positives, so that part is given per positive.
 */
import type { Experiment } from '../config/schema';
import { SLOTS, type MemoryEstimate } from './memory';

/** Extra copies of the weights and slots on rank 0 while a checkpoint is written. */
const CHECKPOINT_EXTRA_COPIES = 3;
/** Bytes per training positive in each process: resident, and at start-up (docs/scale-out.md). */
export const TORCH_BYTES_PER_POSITIVE = { resident: 32, startUp: 48 } as const;

export interface TorchMemoryEstimate {
  processes: number;
  nodes: number;
  /** One process while training: weights, slots, dense gradients (and DDP's buckets with several processes). */
  perProcessBytes: number;
  /** Rank 0 while it writes a checkpoint. */
  rankZeroPeakBytes: number;
  /** The node of rank 0 at its peak: rank 0's peak and the other processes of the node. */
  nodePeakBytes: number;
}

export function estimateTorchMemory(model: MemoryEstimate, config: Pick<Experiment, 'training'>): TorchMemoryEstimate {
  const { processes, nodes } = config.training.engine_options;
  const slots = SLOTS[config.training.optimizer];
  const paramFloats = model.parts.reduce((sum, p) => sum + p.floats, 0);
  const denseFloats = model.parts.filter((p) => p.kind === 'dense').reduce((sum, p) => sum + p.floats, 0);
  const stateBytes = 4 * paramFloats * (1 + slots);
  const ddpBuckets = processes * nodes > 1 ? 1 : 0;
  const perProcessBytes = stateBytes + 4 * denseFloats * (1 + ddpBuckets);
  const rankZeroPeakBytes = perProcessBytes + CHECKPOINT_EXTRA_COPIES * stateBytes;
  return { processes, nodes, perProcessBytes, rankZeroPeakBytes, nodePeakBytes: rankZeroPeakBytes + (processes - 1) * perProcessBytes };
}
