/**
 * UnsortedSegmentSum, the kernel behind the gradient of `tf.gather` (every embedding lookup).
 * tfjs's `cpu` kernel runs one tensor op per segment (O(segments × rows × dim)) and `wasm` has none at
 * all, so we register one O(rows × dim) loop for both. Semantics follow TensorFlow: rows whose id is
 * negative or ≥ numSegments are dropped; duplicate ids are summed.
 */
import { UnsortedSegmentSum, util, type KernelConfig, type KernelFunc, type TensorInfo, type UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Adds row r of `x` (`inner` values) into row ids[r] of `out`, which the caller zeroed. */
export function segmentSumInto(x: ArrayLike<number>, ids: ArrayLike<number>, inner: number, numSegments: number, out: Float32Array): void {
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r];
    if (id < 0 || id >= numSegments) continue;
    const src = r * inner;
    const dst = id * inner;
    for (let k = 0; k < inner; k++) out[dst + k] += x[src + k];
  }
}

interface SegmentArgs {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  attrs: UnsortedSegmentSumAttrs;
}

function shapes({ inputs, attrs }: SegmentArgs): { outShape: number[]; inner: number } {
  const { x, segmentIds } = inputs;
  if (x.dtype !== 'float32') throw new Error(`UnsortedSegmentSum: only float32 values are supported, got ${x.dtype}.`);
  const idRank = segmentIds.shape.length;
  for (let d = 0; d < idRank; d++) {
    if (segmentIds.shape[d] !== x.shape[d]) {
      throw new Error(`UnsortedSegmentSum: segmentIds shape [${segmentIds.shape.join(',')}] must be a prefix of x shape [${x.shape.join(',')}].`);
    }
  }
  const rest = x.shape.slice(idRank);
  return { outShape: [attrs.numSegments, ...rest], inner: util.sizeFromShape(rest) };
}

const cpuSegmentSum = (args: SegmentArgs & { backend: MathBackendCPU }): TensorInfo => {
  const { outShape, inner } = shapes(args);
  const { x, segmentIds } = args.inputs;
  const xs = args.backend.data.get(x.dataId).values as Float32Array;
  const ids = args.backend.data.get(segmentIds.dataId).values as Int32Array | Float32Array;
  const out = new Float32Array(util.sizeFromShape(outShape));
  segmentSumInto(xs, ids, inner, args.attrs.numSegments, out);
  return args.backend.makeTensorInfo(outShape, 'float32', out);
};

const wasmSegmentSum = (args: SegmentArgs & { backend: BackendWasm }): TensorInfo => {
  const { outShape, inner } = shapes(args);
  const { x, segmentIds } = args.inputs;
  // Allocate first: allocation can grow the wasm heap, which detaches views taken before it.
  const out = args.backend.makeOutput(outShape, 'float32');
  const outView = args.backend.typedArrayFromHeap(out) as Float32Array;
  outView.fill(0);
  const xs = args.backend.typedArrayFromHeap(x);
  const ids = args.backend.typedArrayFromHeap(segmentIds);
  segmentSumInto(xs, ids, inner, args.attrs.numSegments, outView);
  return out;
};

export const cpuUnsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'cpu',
  kernelFunc: cpuSegmentSum as unknown as KernelFunc,
};

export const wasmUnsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: wasmSegmentSum as unknown as KernelFunc,
};
