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

export class TowerInput {
  readonly width: number;
  readonly tables: Param[] = [];
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
    let offset = 0;
    const addTable = (name: string, rows: number, dim: number, rowOf: Int32Array | null): void => {
      const param = optimizer.makeParam(`${prefix}/${name}`, [rows, dim], embeddingInit(rng, rows, dim));
      this.tables.push(param);
      this.segments.push({ kind: 'table', param, rowOf, dim, offset, grad: new SparseRowGrad(rows, dim) });
      offset += dim;
    };
    if (cfg.id_embedding_dim > 0) addTable('id_embedding', vocabulary.size, cfg.id_embedding_dim, null);
    cfg.categorical.forEach((c, i) => {
      const col = features.categorical.find((f) => f.name === c.name);
      if (!col) throw new Error(`${prefix}.categorical[${i}].name: feature "${c.name}" is not among the ${side(prefix)} features (${names(features.categorical)}). Check the name or the feature table.`);
      addTable(`categorical/${c.name}`, col.vocabulary.size, c.embedding_dim, col.values);
    });
    cfg.continuous.forEach((c, i) => {
      const col = features.continuous.find((f) => f.name === c.name);
      if (!col) throw new Error(`${prefix}.continuous[${i}].name: feature "${c.name}" is not among the ${side(prefix)} features (${names(features.continuous)}). Check the name or the feature table.`);
      if (c.buckets !== undefined) {
        if (!col.bucketIds || !col.bucketCount) throw new Error(`${prefix}.continuous[${i}]: feature "${c.name}" asks for ${c.buckets} buckets but the data set holds no bucket ids for it.`);
        addTable(`bucketized/${c.name}`, col.bucketCount, c.embedding_dim, col.bucketIds);
      } else {
        this.segments.push({ kind: 'value', values: col.values, offset });
        offset += 1;
      }
    });
    if (offset === 0) throw new Error(`${prefix}: the tower has no input (id_embedding_dim is 0 and no feature is listed). Give it an ID embedding or a feature.`);
    this.width = offset;
  }

  /** Writes the concatenated inputs of `entities` into `out` (entities.length × width, row-major). */
  fill(entities: Int32Array, out: Float32Array): void {
    const w = this.width;
    const size = this.vocabulary.size;
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
