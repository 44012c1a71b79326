/**
 * The one explicit list of fast kernels (like tfjs's register_all_kernels): what we replace or add,
 * per backend. `registerFastKernels` keeps the stock kernels so tests can compare against them.
 */
import { getKernel, registerKernel, unregisterKernel, getKernelsForBackend, type KernelConfig } from '@tensorflow/tfjs-core';

import { withExplicitTranspose, WASM_MATMUL_KERNELS } from './matMulTranspose';
import { cpuUnsortedSegmentSumConfig, wasmUnsortedSegmentSumConfig } from './unsortedSegmentSum';

/** Backends our kernels know; tfjs-node ('tensorflow') has fast native kernels and needs none. */
export type KernelBackendName = 'cpu' | 'wasm';

/** The list, built lazily because the wasm wrappers need the stock kernels registered by the backend package. */
function fastKernels(backend: KernelBackendName): KernelConfig[] {
  if (backend === 'cpu') return [cpuUnsortedSegmentSumConfig];
  const matMuls = WASM_MATMUL_KERNELS.map((name) => withExplicitTranspose(getKernel(name, 'wasm')));
  return [wasmUnsortedSegmentSumConfig, ...matMuls];
}

/** Stock kernel configs we replaced, or null where the backend had none, keyed by backend then kernel name. */
const stockKernels = new Map<KernelBackendName, Map<string, KernelConfig | null>>();

function isRegistered(kernelName: string, backend: string): boolean {
  return getKernelsForBackend(backend).some((k) => k.kernelName === kernelName);
}

/** Registers our kernels for `backend` (idempotent). */
export function registerFastKernels(backend: KernelBackendName): void {
  if (stockKernels.has(backend)) return;
  const saved = new Map<string, KernelConfig | null>();
  for (const config of fastKernels(backend)) {
    const stock = isRegistered(config.kernelName, backend) ? getKernel(config.kernelName, backend) : null;
    saved.set(config.kernelName, stock);
    if (stock) unregisterKernel(config.kernelName, backend);
    registerKernel(config);
  }
  stockKernels.set(backend, saved);
}

/** Puts the stock kernels back (tests compare against them); a missing stock kernel stays missing. */
export function restoreStockKernels(backend: KernelBackendName): void {
  const saved = stockKernels.get(backend);
  if (!saved) return;
  for (const [name, stock] of saved) {
    unregisterKernel(name, backend);
    if (stock) registerKernel(stock);
  }
  stockKernels.delete(backend);
}

/** Names of the kernels we register for a backend, for the `started` event and tests. */
export function fastKernelNames(backend: KernelBackendName): string[] {
  return backend === 'cpu' ? [cpuUnsortedSegmentSumConfig.kernelName] : [wasmUnsortedSegmentSumConfig.kernelName, ...WASM_MATMUL_KERNELS];
}
