/** engineLabel: how the tree, the tooltip and the plots runs table name a run's engine. */
import { describe, expect, it } from 'vitest';

import { engineLabel } from '../../../src/shared/engines';

describe('engineLabel', () => {
  it('names the tfjs backend, for runs that predate the engine field too', () => {
    expect(engineLabel({ backend: 'wasm' })).toBe('tfjs · wasm');
    expect(engineLabel({ backend: 'tensorflow', engine: 'tfjs' })).toBe('tfjs · tensorflow');
  });
  it('names torch with its device and the ranks of all nodes', () => {
    expect(engineLabel({ backend: 'torch', engine: 'torch', device: 'cpu', processes: 2, worldSize: 2 })).toBe('torch · cpu × 2');
    expect(engineLabel({ backend: 'torch', engine: 'torch', device: 'cuda', processes: 1, worldSize: 1 })).toBe('torch · cuda × 1');
    // 4 nodes of 8 GPUs: 32 ranks.
    expect(engineLabel({ backend: 'torch', engine: 'torch', device: 'cuda', processes: 8, worldSize: 32 })).toBe('torch · cuda × 32 (4 nodes × 8)');
    expect(engineLabel({ backend: 'torch' })).toBe('torch · cpu × 1');
  });
});
