/**
 * The wasm matMul transpose fix. wasm's `BatchMatMul` and `_FusedMatMul` reach XNNPACK only when
 * neither input is transposed; a transposed input falls to a naive loop (≈15× slower at 512×64·64×512).
 * Every matMul gradient takes that path. These wrappers transpose the flagged input explicitly with the
 * `Transpose` kernel, then call the stock kernel on the fast path.
 */
import { BatchMatMul, _FusedMatMul, getKernel, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface MatMulArgs {
  inputs: { a: TensorInfo; b: TensorInfo; [name: string]: TensorInfo | undefined };
  attrs: NamedAttrMap & { transposeA: boolean; transposeB: boolean };
  backend: BackendWasm;
}

/** Swaps the last two axes with the backend's Transpose kernel; the caller disposes the result. */
function transposeLastTwo(x: TensorInfo, backend: BackendWasm): TensorInfo {
  const transpose = getKernel('Transpose', 'wasm').kernelFunc;
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return transpose({ inputs: { x }, attrs: { perm }, backend }) as TensorInfo;
}

/** Wraps a stock matMul kernel so that it is only ever called with both transpose flags false. */
export function withExplicitTranspose(stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: MatMulArgs): TensorInfo => {
    const { transposeA, transposeB } = args.attrs;
    if (!transposeA && !transposeB) return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const temps: TensorInfo[] = [];
    const a = transposeA ? transposeLastTwo(args.inputs.a, args.backend) : args.inputs.a;
    const b = transposeB ? transposeLastTwo(args.inputs.b, args.backend) : args.inputs.b;
    if (transposeA) temps.push(a);
    if (transposeB) temps.push(b);
    try {
      return stock.kernelFunc({
        inputs: { ...args.inputs, a, b },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
        backend: args.backend,
      } as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    } finally {
      for (const t of temps) args.backend.disposeData(t.dataId);
    }
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as KernelFunc };
}

/** Kernel names this fix wraps on wasm. */
export const WASM_MATMUL_KERNELS = [BatchMatMul, _FusedMatMul] as const;
