/**
 * Picks the tfjs backend: tfjs-node (optional native dependency) → wasm (SIMD; threaded when asked) → cpu,
 * and registers our fast kernels on it. The chosen name goes into the `started` event and the UI.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; training needs all of them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import { registerFastKernels } from './kernels';
import { wasmThreadsCount, withThreadedWasm } from './wasmThreads';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';


const ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
const WASM_FILE = 'tfjs-backend-wasm-simd.wasm';

/** Why each backend that was tried before the chosen one was skipped (for logs and errors). */
export const backendNotes: string[] = [];

function moduleRequire(): NodeJS.Require {
  return typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'noop.js'));
}

/** The folder holding the .wasm files: `<bundle dir>/wasm/` (the build copies them), else the package's dist. */
export function findWasmDir(): string | undefined {
  const candidates: string[] = [];
  if (typeof __dirname === 'string') candidates.push(path.join(__dirname, 'wasm'));
  if (process.argv[1]) candidates.push(path.join(path.dirname(path.resolve(process.argv[1])), 'wasm'));
  const found = candidates.find((dir) => existsSync(path.join(dir, WASM_FILE)));
  if (found) return found;
  try {
    const dist = path.dirname(moduleRequire().resolve('@tensorflow/tfjs-backend-wasm'));
    if (existsSync(path.join(dist, WASM_FILE))) return dist;
  } catch (err) {
    backendNotes.push(`wasm: package not resolvable (${(err as Error).message.split('\n')[0]})`);
  }
  return undefined;
}

async function tryTensorflow(): Promise<boolean> {
  try {
    // An optional native dependency: absent on machines that cannot download libtensorflow.
    moduleRequire()('@tensorflow/tfjs-node');
  } catch (err) {
    backendNotes.push(`tensorflow: @tensorflow/tfjs-node not installed (${(err as Error).message.split('\n')[0]})`);
    return false;
  }
  return tf.setBackend('tensorflow');
}

async function tryWasm(threads: number): Promise<boolean> {
  const dir = findWasmDir();
  if (!dir) {
    backendNotes.push(`wasm: ${WASM_FILE} not found next to the bundle nor in node_modules/@tensorflow/tfjs-backend-wasm/dist`);
    return false;
  }
  // One thread: the single-threaded SIMD build (no shared memory, no workers); more: the threaded build.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  setWasmPaths(dir.endsWith(path.sep) ? dir : dir + path.sep);
  const ok = threads > 1 ? await withThreadedWasm(dir, threads, () => tf.setBackend('wasm')) : await tf.setBackend('wasm');
  if (!ok) backendNotes.push(`wasm: the backend failed to initialise from ${dir}`);
  return ok;
}

async function trySet(name: BackendName, threads: number): Promise<boolean> {
  if (name === 'tensorflow') return tryTensorflow();
  if (name === 'wasm') return tryWasm(threads);
  // esbuild drops the package's self-registration (its package.json declares it side-effect free), so register here.
  if (!tf.findBackendFactory('cpu')) tf.registerBackend('cpu', () => new MathBackendCPU(), 1);
  return tf.setBackend('cpu');
}

/** Threads of the active backend's compute: the wasm pool's size; 1 on cpu; tfjs-node manages its own (0). */
export function backendThreads(name: BackendName): number {
  if (name === 'wasm') return wasmThreadsCount();
  return name === 'cpu' ? 1 : 0;
}

/**
 * Initialises the first backend that works, starting from `preferred` when given, then the usual order.
 * `threads` sizes the wasm backend's pool (training.threads; fixed once the backend has started).
 * Calling it again with the backend already active is cheap.
 */
export async function initBackend(preferred?: BackendName, threads = 1): Promise<BackendName> {
  const order = preferred ? [preferred, ...ORDER.filter((b) => b !== preferred)] : ORDER;
  for (const name of order) {
    if (tf.engine().backendName === name && name !== 'tensorflow') {
      registerFastKernels(name);
      return name;
    }
    if (await trySet(name, threads)) {
      await tf.ready();
      if (name !== 'tensorflow') registerFastKernels(name);
      return name;
    }
  }
  throw new Error(`No tfjs backend could start: ${backendNotes.join('; ')}`);
}
