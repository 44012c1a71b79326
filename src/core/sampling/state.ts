/**
 * Typed arrays in checkpoint JSON: base64 of the little-endian bytes, a third of the size of a
 * number list and exact for floats. Used by the samplers' saveState/restoreState.
 */

export function encodeFloat64(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeFloat64(s: string, expectedLength: number, what: string): Float64Array {
  const bytes = Buffer.from(s, 'base64');
  if (bytes.byteLength !== expectedLength * 8) {
    throw new Error(`Checkpoint sampler state: ${what} holds ${bytes.byteLength / 8} values but this run expects ${expectedLength}; the checkpoint belongs to a different data set or config. Start a fresh run instead of --resume.`);
  }
  const out = new Float64Array(expectedLength);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function encodeInt32(a: Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeInt32(s: string, what: string): Int32Array {
  const bytes = Buffer.from(s, 'base64');
  if (bytes.byteLength % 4 !== 0) throw new Error(`Checkpoint sampler state: ${what} is not a whole number of 32-bit integers; the checkpoint is damaged.`);
  const out = new Int32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Narrows an unknown checkpoint value to a record, with an error that names what was expected. */
export function asRecord(state: unknown, what: string): Record<string, unknown> {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new Error(`Checkpoint sampler state: expected an object for ${what}, found ${JSON.stringify(state)?.slice(0, 80)}. The checkpoint is damaged or from another version.`);
  }
  return state as Record<string, unknown>;
}

export function field<T extends 'string' | 'number'>(rec: Record<string, unknown>, key: string, type: T, what: string): T extends 'string' ? string : number {
  const v = rec[key];
  if (typeof v !== type) throw new Error(`Checkpoint sampler state: ${what}.${key} should be a ${type}, found ${JSON.stringify(v)?.slice(0, 80)}.`);
  return v as T extends 'string' ? string : number;
}
