/**
 * Starts tfjs's threaded SIMD wasm build under Node, so XNNPACK's matMuls use `threads` cores.
 *
 * Two things stand in the way, both in tfjs 4.22 rather than in Emscripten:
 * - tfjs hands Emscripten its pthread worker and the module factory as `blob:` URLs, which a Node
 *   `Worker` cannot load. We write the worker (tfjs's own code, loading the factory from its file)
 *   to a file and answer tfjs's `URL.createObjectURL` with that file's path.
 * - `init_with_threads_count` caps the pool at `emscripten_num_logical_cores() / 2` (tfjs assumes two
 *   hyperthreads per core), which Emscripten reads from `os.cpus()`: on a 2-core machine the pool has
 *   one thread whatever `setThreadsCount` says. While the module initialises, `os.cpus()` answers
 *   2 × threads entries, so the cap is the count asked for.
 * Emscripten pre-starts 8 workers (PTHREAD_POOL_SIZE), hence at most 8 threads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
// The module object itself (not a namespace copy): Emscripten's glue calls its `cpus()`.
import os from 'node:os';
import * as path from 'node:path';


export const MAX_WASM_THREADS = 8;
/**
 * The threaded module's factory and tfjs's pthread worker code (a CommonJS file exporting it as a
 * string), from tfjs's wasm-out folder: the build copies both next to the trainer bundle (dist/wasm/).
 */
export const THREADED_WASM_FILES = { factory: 'tfjs-backend-wasm-threaded-simd.js', worker: 'tfjs-backend-wasm-threaded-simd.worker.js' } as const;

function moduleRequire(): NodeJS.Require {
  return typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'noop.js'));
}

/** A file of THREADED_WASM_FILES: next to the .wasm files (the bundle), else in the package (tests, tsx). */
function threadedFile(wasmDir: string, name: string): string {
  const beside = path.join(wasmDir, name);
  if (existsSync(beside)) return beside;
  try {
    return moduleRequire().resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${name}`);
  } catch {
    throw new Error(`${name} (tfjs's threaded wasm build) not found in ${wasmDir} nor in @tensorflow/tfjs-backend-wasm/wasm-out`);
  }
}

/**
 * The worker's source: tfjs's worker code with the factory read from `factoryPath`. tfjs escapes the
 * newlines of its worker code for its blob (the code's own string literals hold `\n`); so do we.
 */
function workerSource(factoryPath: string, workerCodePath: string): string {
  const { wasmWorkerContents } = moduleRequire()(workerCodePath) as { wasmWorkerContents: string };
  const code = wasmWorkerContents.replace(/\n/g, '\\n');
  const load = 'importScripts(objectUrl)';
  if (!code.includes(load)) throw new Error(`tfjs's pthread worker changed: '${load}' not found (tfjs-backend-wasm is pinned; see core/train/wasmThreads.ts)`);
  // The factory is evaluated indirectly (global scope): it needs require and __filename there.
  return `global.require = require; global.__filename = ${JSON.stringify(factoryPath)};\n` + code.replace(load, `importScripts(${JSON.stringify(factoryPath)})`);
}

/** Writes the worker file once per content (name = hash), whole or not at all. */
function writeWorkerFile(source: string): string {
  const dir = path.join(os.tmpdir(), 'two-tower-lab-wasm');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `pthread-worker-${createHash('sha256').update(source).digest('hex').slice(0, 16)}.js`);
  if (existsSync(file) && readFileSync(file, 'utf8') === source) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, source);
  renameSync(tmp, file);
  return file;
}

/**
 * Runs `start` (which initialises the wasm backend) so that it picks the threaded build with `threads`
 * threads. Returns what `start` returns; the pool's real size is `wasmThreadsCount()` afterwards.
 */
export async function withThreadedWasm<T>(wasmDir: string, threads: number, start: () => Promise<T>): Promise<T> {
  const source = workerSource(threadedFile(wasmDir, THREADED_WASM_FILES.factory), threadedFile(wasmDir, THREADED_WASM_FILES.worker));
  const workerFile = writeWorkerFile(source);
  const count = Math.min(Math.max(1, Math.floor(threads)), MAX_WASM_THREADS);
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  URL.createObjectURL = (blob: Blob): string => (blob.type === 'application/javascript' ? workerFile : createObjectURL(blob));
  const oneCpu = cpus()[0];
  (os as { cpus: typeof os.cpus }).cpus = () => new Array<os.CpuInfo>(2 * count).fill(oneCpu);
  setThreadsCount(count);
  try {
    const result = await start();
    releasePoolWorkers();
    return result;
  } finally {
    URL.createObjectURL = createObjectURL;
    (os as { cpus: typeof os.cpus }).cpus = cpus;
  }
}

interface EmscriptenPThreads {
  runningWorkers: { unref(): void }[];
}

/**
 * Emscripten refs a Node worker while its pthread runs, and XNNPACK's pool threads run (idle, waiting
 * for work) for the life of the process: without this the trainer never exits once its run has ended.
 */
function releasePoolWorkers(): void {
  const pthreads = (tf.backend() as unknown as { wasm?: { PThread?: EmscriptenPThreads } }).wasm?.PThread;
  for (const worker of pthreads?.runningWorkers ?? []) worker.unref();
}

/** Threads in the wasm backend's pool (1 for the single-threaded build). */
export function wasmThreadsCount(): number {
  return getThreadsCount();
}
