/**
 * The input layer of one tower, kept in JS: the ID embedding, each categorical embedding, each bucketised
 * continuous embedding (tables as Float32Arrays) and the normalised continuous values, concatenated into
 * one B × width matrix. tfjs then only sees a dense input; the gradient w.r.t. that matrix is scattered
 * back into the tables and applied with the lazy optimiser. This replaces gather/UnsortedSegmentSum with
 * an O(batch × dim) loop, PERFORMANCE.md's fastest variant.
 */
import type { TowerConfig } from '../config/schema';
import type { EntityFeatures, Vocabulary } from '../data/dataset';
import type { Optimizer, Param } from '../train/optimizer';
import type { Rng } from '../util/rng';
import { embeddingInit } from './init';
import { SparseRowGrad } from './sparseGrad';

interface TableSegment {
  kind: 'table';
  param: Param;
  /** Table row of each entity (feature value or bucket id); null = the entity index itself (ID embedding). */
  rowOf: Int32Array | null;
  dim: number;
  offset: number;
  grad: SparseRowGrad;
}

interface ValueSegment {
  kind: 'value';
  values: Float32Array;
  offset: number;
}

type Segment = TableSegment | ValueSegment;

/**
 * What a tower's input is made of, in its order: the ID embedding, each categorical embedding, then
 * each continuous feature (a bucket embedding, or its value). The one definition of the input layout:
 * TowerInput builds its tables from it and the torch engine's prepared arrays follow it.
 * `source` says which config list and index a feature segment comes from.
 */
export type PlannedSegment =
  | { kind: 'table'; name: string; rows: number; dim: number; rowOf: Int32Array | null; source?: { list: 'categorical' | 'bucket'; index: number } }
  | { kind: 'value'; name: string; values: Float32Array; source: { list: 'continuous'; index: number } };

/** @param prefix `user_tower` or `item_tower`: the config path in errors. */
export function inputSegments(prefix: string, cfg: TowerConfig, vocabulary: Vocabulary, features: EntityFeatures): PlannedSegment[] {
  const out: PlannedSegment[] = [];
  if (cfg.id_embedding_dim > 0) out.push({ kind: 'table', name: 'id_embedding', rows: vocabulary.size, dim: cfg.id_embedding_dim, rowOf: features.idRows ?? null });
  cfg.categorical.forEach((c, i) => {
    const col = features.categorical.find((f) => f.name === c.name);
    if (!col) throw new Error(`${prefix}.categorical[${i}].name: feature "${c.name}" is not among the ${side(prefix)} features (${names(features.categorical)}). Check the name or the feature table.`);
    out.push({ kind: 'table', name: `categorical/${c.name}`, rows: col.vocabulary.size, dim: c.embedding_dim, rowOf: col.values, source: { list: 'categorical', index: i } });
  });
  cfg.continuous.forEach((c, i) => {
    const col = features.continuous.find((f) => f.name === c.name);
    if (!col) throw new Error(`${prefix}.continuous[${i}].name: feature "${c.name}" is not among the ${side(prefix)} features (${names(features.continuous)}). Check the name or the feature table.`);
    if (c.buckets !== undefined) {
      if (!col.bucketIds || !col.bucketCount) throw new Error(`${prefix}.continuous[${i}]: feature "${c.name}" asks for ${c.buckets} buckets but the data set holds no bucket ids for it.`);
      out.push({ kind: 'table', name: `bucketized/${c.name}`, rows: col.bucketCount, dim: c.embedding_dim, rowOf: col.bucketIds, source: { list: 'bucket', index: i } });
    } else {
      out.push({ kind: 'value', name: c.name, values: col.values, source: { list: 'continuous', index: i } });
    }
  });
  if (out.length === 0) throw new Error(`${prefix}: the tower has no input (id_embedding_dim is 0 and no feature is listed). Give it an ID embedding or a feature.`);
  return out;
}

/** Columns of the input matrix a segment takes. */
export function segmentWidth(s: PlannedSegment): number {
  return s.kind === 'table' ? s.dim : 1;
}

export class TowerInput {
  readonly width: number;
  readonly tables: Param[] = [];
  /** How many entities `fill` accepts: the vocabulary's, or the embedded rows' when the features map them to ID rows. */
  readonly entityCount: number;
  private readonly segments: Segment[] = [];

  /**
   * @param prefix `user_tower` or `item_tower`: names the parameters and the config path in errors.
   */
  constructor(
    readonly prefix: string,
    cfg: TowerConfig,
    readonly vocabulary: Vocabulary,
    features: EntityFeatures,
    optimizer: Optimizer,
    rng: Rng,
  ) {
    this.entityCount = features.idRows?.length ?? vocabulary.size;
    let offset = 0;
    for (const planned of inputSegments(prefix, cfg, vocabulary, features)) {
      if (planned.kind === 'table') {
        const { rows, dim } = planned;
        const param = optimizer.makeParam(`${prefix}/${planned.name}`, [rows, dim], embeddingInit(rng, rows, dim));
        this.tables.push(param);
        this.segments.push({ kind: 'table', param, rowOf: planned.rowOf, dim, offset, grad: new SparseRowGrad(rows, dim) });
      } else {
        this.segments.push({ kind: 'value', values: planned.values, offset });
      }
      offset += segmentWidth(planned);
    }
    this.width = offset;
  }

  /** Writes the concatenated inputs of `entities` into `out` (entities.length × width, row-major). */
  fill(entities: Int32Array, out: Float32Array): void {
    const w = this.width;
    const size = this.entityCount;
    for (let r = 0; r < entities.length; r++) {
      const e = entities[r];
      if (!(e >= 0 && e < size)) throw new Error(`${this.prefix}: index ${e} at batch row ${r} is outside [0, ${size}); batches must hold dense indices of the data set's vocabulary.`);
      const base = r * w;
      for (const s of this.segments) {
        if (s.kind === 'value') {
          out[base + s.offset] = s.values[e];
          continue;
        }
        const row = s.rowOf ? s.rowOf[e] : e;
        const src = row * s.dim;
        const table = s.param.value;
        for (let k = 0; k < s.dim; k++) out[base + s.offset + k] = table[src + k];
      }
    }
  }

  /**
   * Entity `e`'s input before the lookups: the row of each table segment and the value of each value
   * segment, in input order (what the exported TorchScript towers take: python/two_tower_lab/torchscript.py).
   */
  encoded(e: number): { rows: number[]; values: number[] } {
    const rows: number[] = [];
    const values: number[] = [];
    for (const s of this.segments) {
      if (s.kind === 'value') values.push(s.values[e]);
      else rows.push(s.rowOf ? s.rowOf[e] : e);
    }
    return { rows, values };
  }

  /** Scatters dLoss/dInput (entities.length × width) into the tables and applies the lazy update. */
  applyGradient(entities: Int32Array, dInput: Float32Array, optimizer: Optimizer): void {
    const w = this.width;
    for (const s of this.segments) {
      if (s.kind === 'value') continue;
      for (let r = 0; r < entities.length; r++) {
        const e = entities[r];
        s.grad.add(s.rowOf ? s.rowOf[e] : e, dInput, r * w + s.offset);
      }
      optimizer.updateRows(s.param, s.grad.rows, s.grad.count, s.grad.grads);
      s.grad.clear();
    }
  }
}

function side(prefix: string): string {
  return prefix.startsWith('user') ? 'user' : 'item';
}

function names(cols: { name: string }[]): string {
  return cols.length ? cols.map((c) => c.name).join(', ') : 'none';
}
