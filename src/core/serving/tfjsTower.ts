/**
 * A tower as a tfjs LayersModel made of standard Keras layers only (Input, Embedding, Flatten,
 * Concatenate, Dense, LayerNormalization, and for GELU Multiply, Add, Rescaling, Activation), so that plain `tf.loadLayersModel` reads it in a browser or
 * in Node: a custom layer class would have to be registered by every serving user before loading.
 *
 * The model takes one input per segment of the trainer's tower input (core/model/towerInput.ts), in
 * the trainer's order: the ID row, each categorical row, each bucket row (int32), each normalised
 * continuous value (float32), every one of shape [batch, 1]. It looks the rows up, concatenates, runs
 * the MLP and the linear output layer, and L2-normalises when the tower does, with the trained weights:
 * the vectors Tower.forward computes, up to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { TowerConfig } from '../config/schema';
import type { EntityFeatures, Vocabulary } from '../data/dataset';
import type { ActivationName } from '../model/activation';
import type { TowerKey } from '../model/memory';
import { inputSegments, type PlannedSegment } from '../model/towerInput';
import type { WeightMap } from '../train/weightsFile';
import { appendComposedActivation, kerasDenseActivation } from './tfjsActivation';
import { l2NormalizeLayers } from './tfjsL2Normalize';

/** What one input of the model takes, as the manifest lists it for callers that build the inputs. */
export interface TfjsTowerInput {
  /** The model's input name (a Keras layer name: the feature name with characters Keras refuses replaced by `_`). */
  name: string;
  /** `id`: the row of `ids` (0 = `<oov>`); `categorical`: the row of the feature's `ids`; `bucket`: the number of `boundaries` ≤ the raw value; `value`: the normalised value. */
  kind: 'id' | 'categorical' | 'bucket' | 'value';
  /** The feature of the tower file it encodes (absent for `id`). */
  feature?: string;
  dtype: 'int32' | 'float32';
  /** Rows of the embedding table (kinds `id`, `categorical`, `bucket`): a row must be below it. */
  rows?: number;
}

/** The model's files as tfjs writes them: model.json's content (topology and weights manifest) and the weight bytes. */
export interface TfjsTowerArtifacts {
  modelJson: Record<string, unknown>;
  weightData: Uint8Array;
  inputs: TfjsTowerInput[];
}

/** The weights file beside each tower's model.json (named as tfjs-node's file:// save names it). */
export const TFJS_WEIGHTS_FILE = 'weights.bin';

/**
 * The tower `prefix` as a LayersModel with the trained `weights` (the model tensors of the checkpoint,
 * named as core/model/tower.ts names them), serialised. `vocabulary` and `features` give the table sizes,
 * exactly as the trainer built the tower from them.
 */
export async function tfjsTowerArtifacts(prefix: TowerKey, cfg: TowerConfig, vocabulary: Vocabulary, features: EntityFeatures, weights: WeightMap): Promise<TfjsTowerArtifacts> {
  const segments = inputSegments(prefix, cfg, vocabulary, features);
  const inputs = towerInputs(segments);
  const model = buildTower(prefix, cfg, segments, inputs, weights);
  try {
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler((artifacts) => {
        saved = artifacts;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      }),
    );
    if (!saved?.weightSpecs || saved.weightData === undefined) throw new Error(`internal: tfjs saved the ${prefix} model without its weights.`);
    const modelJson = {
      format: saved.format,
      generatedBy: saved.generatedBy,
      convertedBy: 'two-tower-lab export',
      modelTopology: saved.modelTopology,
      weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: saved.weightSpecs }],
    };
    return { modelJson, weightData: new Uint8Array(tf.io.CompositeArrayBuffer.join(saved.weightData)), inputs };
  } finally {
    model.dispose();
  }
}

function towerInputs(segments: PlannedSegment[]): TfjsTowerInput[] {
  const used = new Set<string>();
  return segments.map((s): TfjsTowerInput => {
    if (s.kind === 'value') return { name: uniqueName(`value_${s.name}`, used), kind: 'value', feature: s.name, dtype: 'float32' };
    if (!s.source) return { name: uniqueName('id', used), kind: 'id', dtype: 'int32', rows: s.rows };
    const feature = s.name.slice(s.name.indexOf('/') + 1);
    const kind = s.source.list === 'categorical' ? 'categorical' : 'bucket';
    return { name: uniqueName(`${kind}_${feature}`, used), kind, feature, dtype: 'int32', rows: s.rows };
  });
}

/**
 * A Keras layer name for `wanted`: tfjs accepts [A-Za-z0-9][-A-Za-z0-9._]* in the names of layers and their
 * weights; two features whose names differ only in refused characters get a `_2` suffix on the second.
 */
function uniqueName(wanted: string, used: Set<string>): string {
  const base = wanted.replace(/[^-A-Za-z0-9._]/g, '_');
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
  used.add(name);
  return name;
}

function buildTower(prefix: TowerKey, cfg: TowerConfig, segments: PlannedSegment[], inputs: TfjsTowerInput[], weights: WeightMap): tfl.LayersModel {
  const assignments: { layer: tfl.layers.Layer; values: tf.Tensor[] }[] = [];
  const trained = (name: string): tf.Tensor => {
    const w = weights[`${prefix}/${name}`];
    if (!w) throw new Error(`internal: the export's weights have no '${prefix}/${name}', which the ${prefix} needs.`);
    return tf.tensor(w.data, w.shape, 'float32');
  };
  const symbolic = inputs.map((input) => tfl.input({ name: input.name, shape: [1], dtype: input.dtype }));
  const parts = segments.map((segment, i): tfl.SymbolicTensor => {
    if (segment.kind === 'value') return symbolic[i];
    // Initialised with zeros (not random draws that are replaced at once): the trained table is assigned below.
    const embedding = tfl.layers.embedding({ name: `${inputs[i].name}_embedding`, inputDim: segment.rows, outputDim: segment.dim, embeddingsInitializer: 'zeros' });
    assignments.push({ layer: embedding, values: [trained(segment.name)] });
    return tfl.layers.flatten({ name: `${inputs[i].name}_flat` }).apply(embedding.apply(symbolic[i])) as tfl.SymbolicTensor;
  });
  let h = parts.length === 1 ? parts[0] : (tfl.layers.concatenate({ name: 'tower_input', axis: -1 }).apply(parts) as tfl.SymbolicTensor);
  const dense = (name: string, units: number, activation: ActivationName): void => {
    const layer = tfl.layers.dense({ name, units, activation: kerasDenseActivation(activation), kernelInitializer: 'zeros' });
    h = appendComposedActivation(layer.apply(h) as tfl.SymbolicTensor, activation, name);
    assignments.push({ layer, values: [trained(`${name}/kernel`), trained(`${name}/bias`)] });
  };
  cfg.mlp.hidden.forEach((units, l) => dense(`dense_${l}`, units, cfg.mlp.activation));
  dense('output', cfg.output_dim, 'linear');
  if (cfg.l2_normalize) {
    for (const { layer, values } of l2NormalizeLayers(cfg.output_dim)) {
      h = layer.apply(h) as tfl.SymbolicTensor;
      if (values.length) assignments.push({ layer, values });
    }
  }
  const model = tfl.model({ name: prefix, inputs: symbolic, outputs: h });
  for (const { layer, values } of assignments) {
    layer.setWeights(values);
    tf.dispose(values);
  }
  return model;
}
