import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { backendNotes, findWasmDir, initBackend } from '../../../src/core/train/backend';
import { fastKernelNames } from '../../../src/core/train/kernels';

describe('initBackend', () => {
  it('finds the SIMD .wasm file next to the bundle or in the package', () => {
    const dir = findWasmDir();
    expect(dir).toBeDefined();
    expect(existsSync(path.join(dir ?? '', 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
  });

  it('falls back from tfjs-node (not installable here) to wasm, and says why', async () => {
    const chosen = await initBackend('tensorflow');
    expect(chosen).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(backendNotes.some((n) => n.startsWith('tensorflow: @tensorflow/tfjs-node not installed'))).toBe(true);
  });

  it('registers the fast kernels from the one list on the chosen backend', async () => {
    expect(await initBackend('wasm')).toBe('wasm');
    const registered = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
    for (const name of fastKernelNames('wasm')) expect(registered).toContain(name);
    expect(await initBackend('cpu')).toBe('cpu');
    expect(tf.getKernelsForBackend('cpu').map((k) => k.kernelName)).toContain('UnsortedSegmentSum');
  });
});
