/**
 * Embeds users or items from their feature rows with a bundle: the rows are encoded by the training
 * code's own encoders (core/data/entityFeatures encodeFeatureRows, with the bundle's fitted
 * vocabularies, statistics and boundaries), and the tower is the training code's Tower with the
 * bundle's weights, so a known id with its training features gets exactly the vector the run wrote.
 * An id the model never saw gets the OOV row of the ID embedding; its features still count.
 */
import { encodeFeatureRows } from '../data/entityFeatures';
import type { TableSource } from '../data/readers/source';
import type { TowerKey } from '../model/memory';
import { assignModelWeights } from '../model/assignWeights';
import { Tower } from '../model/tower';
import { makeOptimizer } from '../train/optimizer';
import { Rng } from '../util/rng';
import { BundleError, type ServingBundle } from './bundle';

export interface EmbeddedRows {
  ids: string[];
  /** 1 where the row's id is in the tower's vocabulary (its own ID embedding row), 0 for a new id (OOV row). */
  known: Uint8Array;
  /** ids.length × dim, row-major. */
  vectors: Float32Array;
  dim: number;
  /** With `withInputs`: each row's encoded input (table rows and normalised values), what the TorchScript towers take. */
  inputs?: { rows: number[]; values: number[] }[];
}

/** @param keyColumn the id column of `source`; default: the key column of the table the tower trained on. */
export async function embedRows(bundle: ServingBundle, side: TowerKey, source: TableSource, keyColumn?: string, withInputs = false): Promise<EmbeddedRows> {
  const config = bundle.manifest.experiment;
  const tower = bundle.towers[side];
  const key = keyColumn ?? tower.keyColumn;
  if (key === undefined) {
    source.close();
    throw new BundleError(`The bundle does not record which column holds the ${side === 'user_tower' ? 'user' : 'item'} id; give it with --key COLUMN.`);
  }
  const { ids, features } = await encodeFeatureRows(source, key, tower.fitted, tower.vocabulary, side);
  // The optimiser and the RNG only initialise the parameters, which the bundle's weights then replace.
  const model = new Tower(side, config[side], tower.vocabulary, features, makeOptimizer(config.training.optimizer, config.training.learning_rate), new Rng(0));
  assignModelWeights(model.params, bundle.weights, `The bundle's weights do not fit its ${side} (${bundle.dir}; was it edited?)`);
  const entities = new Int32Array(ids.length);
  const known = new Uint8Array(ids.length);
  for (let r = 0; r < ids.length; r++) {
    entities[r] = r + 1;
    known[r] = features.idRows![r + 1] > 0 ? 1 : 0;
  }
  const inputs = withInputs ? Array.from(entities, (e) => model.input.encoded(e)) : undefined;
  return { ids, known, vectors: model.vectors(entities), dim: model.outputDim, ...(inputs ? { inputs } : {}) };
}
