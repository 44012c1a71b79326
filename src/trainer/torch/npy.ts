/**
 * Writes NumPy `.npy` files (format 1.0: magic, little-endian header dict padded to 64 bytes, then the
 * raw C-order data), so that the torch workers memory-map the prepared arrays with `numpy.load(...,
 * mmap_mode='r')` instead of parsing anything.
 */
import { writeFileAtomic } from '../../core/train/atomicWrite';

export type NpyArray = Int32Array | Float32Array | Float64Array | Uint8Array;

const DESCR: Record<string, string> = { Int32Array: '<i4', Float32Array: '<f4', Float64Array: '<f8', Uint8Array: '|u1' };

/** The dtype name of an array as the prepared meta.json spells it. */
export function dtypeOf(a: NpyArray): 'int32' | 'float32' | 'float64' | 'uint8' {
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  return 'uint8';
}

export function encodeNpy(a: NpyArray, shape: readonly number[] = [a.length]): Uint8Array {
  const size = shape.reduce((x, y) => x * y, 1);
  if (size !== a.length) throw new Error(`npy: shape [${shape.join(', ')}] holds ${size} values, the array ${a.length}.`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${DESCR[a.constructor.name]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // magic (6) + version (2) + header length (2) + header + '\n' is a multiple of 64.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + a.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), 10 + header.length);
  return out;
}

export function writeNpy(file: string, a: NpyArray, shape?: readonly number[]): void {
  writeFileAtomic(file, encodeNpy(a, shape));
}
