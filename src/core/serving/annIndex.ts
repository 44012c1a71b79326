/**
 * The approximate nearest-neighbour index of the item vectors: usearch's HNSW, whose index file opens
 * from usearch's Python, C++, Rust and Java bindings too, so a serving stack can load what `export`
 * writes. Keys are item rows (row r of items.bin has key r); the OOV row 0 is never added. Scores are
 * the model's: the cosine (usearch `cos`, distance 1 − cos) when both towers L2-normalise, the inner
 * product (usearch `ip`, distance 1 − a·b) otherwise.
 *
 * Built and searched on one thread: the graph then depends only on the vectors and the parameters,
 * so a resumed run reports the same `ann_recall@K` as an uninterrupted one. usearch is a native module
 * loaded only by trainer processes (esbuild.mjs keeps it out of the other bundles).
 */
import { renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import usearch, { type ScalarKind } from 'usearch';
import type { ServingConfig } from '../config/schema';
import { tempName } from '../runs/runFiles';
import { writeError } from '../train/writeError';
import { ITEM_INDEX_FILE } from './bundleFiles';
import type { ScoreMetric } from './scoreMetric';

export type IndexParams = Pick<ServingConfig, 'connectivity' | 'expansion_add' | 'expansion_search' | 'quantization'>;

/** The nearest items of one query: item rows, best first, and their scores. */
export interface Neighbours {
  items: Int32Array;
  scores: Float32Array;
}

export class ItemIndex {
  private constructor(
    private readonly index: InstanceType<typeof usearch.Index>,
    readonly dim: number,
    readonly metric: ScoreMetric,
    /** Real items in the index (rows 1 … items). */
    readonly size: number,
  ) {}

  /** Indexes rows 1 … n−1 of `vectors` (n × dim, row 0 the OOV row) with `params`. `threads` 0 = all cores. */
  static build(vectors: Float32Array, dim: number, metric: ScoreMetric, params: IndexParams, threads = 1): ItemIndex {
    const rows = vectors.length / dim;
    const index = ItemIndex.empty(dim, metric, params);
    if (rows > 1) {
      const keys = new BigUint64Array(rows - 1);
      for (let r = 1; r < rows; r++) keys[r - 1] = BigInt(r);
      index.add(keys, vectors.subarray(dim), threads);
    }
    return new ItemIndex(index, dim, metric, Math.max(0, rows - 1));
  }

  /** Opens an index file written by save(); the search effort is `params.expansion_search`. */
  static load(file: string, dim: number, metric: ScoreMetric, params: IndexParams): ItemIndex {
    const index = ItemIndex.empty(dim, metric, params);
    index.load(file);
    if (index.dimensions() !== dim) throw new Error(`${file}: the index holds vectors of dimension ${index.dimensions()}, the model's are ${dim}. Export the run again.`);
    return new ItemIndex(index, dim, metric, index.size());
  }

  private static empty(dim: number, metric: ScoreMetric, params: IndexParams): InstanceType<typeof usearch.Index> {
    return new usearch.Index({
      dimensions: dim,
      metric: metric === 'cosine' ? usearch.MetricKind.Cos : usearch.MetricKind.IP,
      quantization: QUANTIZATION[params.quantization],
      connectivity: params.connectivity,
      expansion_add: params.expansion_add,
      expansion_search: params.expansion_search,
      multi: false,
    });
  }

  /** The graph's connectivity as usearch holds it (what `serving.connectivity` set). */
  get connectivity(): number {
    return this.index.connectivity();
  }

  /** The `k` nearest items of one query vector (fewer when the index holds fewer). */
  search(query: Float32Array, k: number): Neighbours {
    const want = Math.min(k, this.size);
    if (want <= 0) return { items: new Int32Array(0), scores: new Float32Array(0) };
    const m = this.index.search(query, want, 1);
    const found = m.keys.length;
    const items = new Int32Array(found);
    const scores = new Float32Array(found);
    for (let j = 0; j < found; j++) {
      items[j] = Number(m.keys[j]);
      // usearch's distance is 1 − score for both `cos` and `ip`.
      scores[j] = 1 - m.distances[j];
    }
    return { items, scores };
  }

  /** Writes the index file whole (a temporary name, then renamed). */
  save(file: string): void {
    const tmp = path.join(path.dirname(file), tempName(`.${path.basename(file)}`));
    try {
      this.index.save(tmp);
      renameSync(tmp, file);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw writeError(file, error);
    }
  }
}

const QUANTIZATION: Record<IndexParams['quantization'], ScalarKind> = {
  f32: usearch.ScalarKind.F32,
  f16: usearch.ScalarKind.F16,
  i8: usearch.ScalarKind.I8,
};

/** Builds the index of `vectors` (row 0 the OOV row) and writes it to `<dir>/items.usearch`; returns the file name. */
export function writeItemIndex(dir: string, vectors: Float32Array, dim: number, metric: ScoreMetric, params: IndexParams): string {
  ItemIndex.build(vectors, dim, metric, params).save(path.join(dir, ITEM_INDEX_FILE));
  return ITEM_INDEX_FILE;
}
