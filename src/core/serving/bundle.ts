/**
 * The export bundle: a folder that holds everything needed to embed users and items without the
 * training data — the towers' weights, per tower the ID vocabulary (id → row, row 0 the OOV row) and
 * what training fitted on its features (categorical vocabularies, normalisation statistics, bucket
 * boundaries), each tower as a tfjs LayersModel, the score, the item and user vectors, the item index,
 * and `manifest.json` (format, versions, run, the experiment). The folder is staged under a temporary name and renamed into place
 * whole, so a reader never sees half a bundle.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { version as TOOL_VERSION } from '../../../package.json';
import type { Experiment, TowerConfig } from '../config/schema';
import type { EntityFeatures, Vocabulary } from '../data/dataset';
import type { FittedFeatures } from '../data/entityFeatures';
import { vocabularyOf } from '../data/vocabulary';
import type { Normalization } from '../features/normalize';
import type { TowerKey } from '../model/memory';
import { tempName } from '../runs/runFiles';
import { replaceFolder, writeFileAtomic } from '../train/atomicWrite';
import { CheckpointError, DAMAGED_CHECKPOINT_HINT } from '../train/checkpointError';
import { writeEmbeddings } from '../train/runEmbeddings';
import { readWeights, writeWeights, type WeightMap } from '../train/weightsFile';
import { writeError } from '../train/writeError';
import { BUNDLE_FORMAT, MANIFEST_FILE, TFJS_TOWER_MODEL, TOWER_FILE, TOWER_KEYS } from './bundleFiles';
import { scoreMetric, type ScoreMetric } from './scoreMetric';
import { TFJS_WEIGHTS_FILE, type TfjsTowerArtifacts, type TfjsTowerInput } from './tfjsTower';

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  createdBy: { tool: 'two-tower-lab'; version: string; node: string };
  createdAt: string;
  run: { id: string; epoch: number; step: number; engine: string; /** Which model of the run: its best epoch's, or its last (core/train/runModel.ts). */ model?: 'best' | 'last' };
  /** `cosine` when both towers L2-normalise, else `dot`: the index metric and how a serving system scores. */
  score: { metric: ScoreMetric; temperature: number };
  dim: number;
  /** `tfjs`: the tower's LayersModel and what each of its inputs takes, in the model's input order. */
  towers: Record<TowerKey, { rows: number; keyColumn?: string; file: string; tfjs: { model: string; inputs: TfjsTowerInput[] } }>;
  /** Files of the bundle besides the manifest, by role. */
  files: Record<string, string>;
  /** The experiment as the run resolved it (every default filled in). */
  experiment: Experiment;
}

/** One tower's file: its ID vocabulary and its fitted feature encoders, in JSON. */
export interface BundleTowerFile {
  ids: readonly string[];
  categorical: { name: string; ids: readonly string[] }[];
  continuous: { name: string; normalize: Normalization; stats: FittedFeatures['continuous'][number]['stats']; boundaries?: number[]; bucketFill?: number }[];
}

export interface BundleContents {
  config: Experiment;
  run: BundleManifest['run'];
  towers: Record<TowerKey, { vocabulary: Vocabulary; features: EntityFeatures }>;
  /** The model's tensors only (no optimiser state). */
  weights: WeightMap;
  /** Each tower as a tfjs LayersModel (core/serving/tfjsTower.ts), serialised. */
  tfjsTowers: Record<TowerKey, TfjsTowerArtifacts>;
  dim: number;
  itemVectors: Float32Array;
  userVectors: Float32Array;
  /** Writes extra files (the item index) into the staged folder before it is renamed into place; returns their names by role. */
  extras?: (stagedDir: string) => Record<string, string>;
}

/** A bundle read back: what `embed` needs to rebuild a tower and encode rows. */
export interface ServingBundle {
  dir: string;
  manifest: BundleManifest;
  weights: WeightMap;
  towers: Record<TowerKey, { vocabulary: Vocabulary; fitted: FittedFeatures; keyColumn?: string }>;
}

/** Writes the bundle into `dir` (replacing a bundle there) and returns its manifest. */
export function writeBundle(dir: string, contents: BundleContents): BundleManifest {
  const target = path.resolve(dir);
  const staged = path.join(path.dirname(target), tempName(`.${path.basename(target)}`));
  try {
    mkdirSync(path.dirname(target), { recursive: true });
    rmSync(staged, { recursive: true, force: true });
    mkdirSync(staged);
  } catch (error) {
    throw writeError(target, error);
  }
  try {
    const { config } = contents;
    writeWeights(staged, contents.weights, { format: 'two-tower-lab/model@1', generatedBy: 'two-tower-lab export', runId: contents.run.id, epoch: contents.run.epoch, ...(contents.run.model ? { model: contents.run.model } : {}) });
    for (const key of TOWER_KEYS) writeFileAtomic(path.join(staged, TOWER_FILE[key]), JSON.stringify(towerFile(contents.towers[key].vocabulary, contents.towers[key].features, config[key])));
    for (const key of TOWER_KEYS) writeTfjsTower(staged, TFJS_TOWER_MODEL[key], contents.tfjsTowers[key]);
    writeEmbeddings(staged, 'items', contents.itemVectors, contents.towers.item_tower.vocabulary.ids, contents.dim);
    writeEmbeddings(staged, 'users', contents.userVectors, contents.towers.user_tower.vocabulary.ids, contents.dim);
    const extras = contents.extras?.(staged) ?? {};
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      createdBy: { tool: 'two-tower-lab', version: TOOL_VERSION, node: process.version },
      createdAt: new Date().toISOString(),
      run: contents.run,
      score: { metric: scoreMetric(config), temperature: config.score.temperature },
      dim: contents.dim,
      towers: {
        user_tower: towerEntry(contents, 'user_tower'),
        item_tower: towerEntry(contents, 'item_tower'),
      },
      files: {
        model: 'model.json',
        weights: 'weights.bin',
        userTowerTfjs: TFJS_TOWER_MODEL.user_tower,
        itemTowerTfjs: TFJS_TOWER_MODEL.item_tower,
        itemVectors: 'items.bin',
        itemIds: 'items.ids.json',
        userVectors: 'users.bin',
        userIds: 'users.ids.json',
        ...extras,
      },
      experiment: config,
    };
    // The manifest last: a staged folder with a manifest is complete.
    writeFileAtomic(path.join(staged, MANIFEST_FILE), JSON.stringify(manifest, null, 1));
    replaceFolder(staged, target);
    return manifest;
  } catch (error) {
    rmSync(staged, { recursive: true, force: true });
    throw error;
  }
}

function towerEntry(contents: BundleContents, key: TowerKey): BundleManifest['towers'][TowerKey] {
  const { vocabulary, features } = contents.towers[key];
  return { rows: vocabulary.size, keyColumn: features.keyColumn, file: TOWER_FILE[key], tfjs: { model: TFJS_TOWER_MODEL[key], inputs: contents.tfjsTowers[key].inputs } };
}

/** Writes a tower's model.json and the weights file it names into the folder `modelFile` is in. */
function writeTfjsTower(staged: string, modelFile: string, artifacts: TfjsTowerArtifacts): void {
  const file = path.join(staged, modelFile);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(path.join(path.dirname(file), TFJS_WEIGHTS_FILE), artifacts.weightData);
  writeFileAtomic(file, JSON.stringify(artifacts.modelJson));
}

/** @param tower the tower's config: it says how each continuous feature was normalised. */
function towerFile(vocabulary: Vocabulary, features: EntityFeatures, tower: TowerConfig): BundleTowerFile {
  return {
    ids: vocabulary.ids,
    categorical: features.categorical.map((c) => ({ name: c.name, ids: c.vocabulary.ids })),
    continuous: features.continuous.map((c) => ({
      name: c.name,
      normalize: normalizationOf(tower, c.name),
      stats: c.stats,
      ...(c.boundaries ? { boundaries: [...c.boundaries], bucketFill: c.bucketFill } : {}),
    })),
  };
}

function normalizationOf(tower: TowerConfig, name: string): Normalization {
  const spec = tower.continuous.find((c) => c.name === name);
  if (!spec) throw new Error(`internal: continuous feature '${name}' is not in the tower config given to the bundle writer.`);
  return spec.normalize;
}

/** Reads and checks a bundle; errors name the file and say what to do. */
export function readBundle(dir: string): ServingBundle {
  const root = path.resolve(dir);
  const manifestFile = path.join(root, MANIFEST_FILE);
  if (!existsSync(manifestFile)) {
    const what = existsSync(root) ? `has no ${MANIFEST_FILE}` : 'does not exist';
    throw new BundleError(`${root} ${what}, so it is not an export bundle. Make one with: two-tower-lab export <run-id> --out ${dir}`);
  }
  const manifest = readBundleJson(manifestFile) as Partial<BundleManifest> | null;
  if (typeof manifest !== 'object' || manifest === null || manifest.format !== BUNDLE_FORMAT) {
    const got = typeof manifest === 'object' && manifest !== null ? JSON.stringify(manifest.format) : 'not an object';
    throw new BundleError(`${manifestFile}: format is ${got}, this tool reads ${BUNDLE_FORMAT}. Export the run again with this version: two-tower-lab export <run-id>.`);
  }
  if (!manifest.experiment || !manifest.towers || typeof manifest.dim !== 'number') throw new BundleError(`${manifestFile} lacks experiment, towers or dim; the bundle is damaged. Export the run again.`);
  let weights: WeightMap;
  try {
    weights = readWeights(root).weights;
  } catch (error) {
    if (error instanceof CheckpointError) throw new BundleError(`${error.message.replace(DAMAGED_CHECKPOINT_HINT, '').trim()} The bundle ${root} is damaged; export the run again.`);
    throw error;
  }
  const towers = {} as ServingBundle['towers'];
  for (const key of TOWER_KEYS) {
    const file = path.join(root, TOWER_FILE[key]);
    if (!existsSync(file)) throw new BundleError(`${file} is missing: the bundle ${root} is incomplete. Export the run again.`);
    const t = readBundleJson(file) as BundleTowerFile;
    if (!Array.isArray(t?.ids) || !Array.isArray(t.categorical) || !Array.isArray(t.continuous)) throw new BundleError(`${file} is not a tower file (ids, categorical, continuous). Export the run again.`);
    towers[key] = {
      // Row 0 is the OOV row; the others were added in this order in training, so rows are the same.
      vocabulary: vocabularyOf(t.ids.slice(1)),
      fitted: {
        categorical: t.categorical.map((c) => ({ name: c.name, vocabulary: vocabularyOf(c.ids.slice(1)) })),
        continuous: t.continuous.map((c) => ({ name: c.name, normalize: c.normalize, stats: c.stats, boundaries: c.boundaries ? Float64Array.from(c.boundaries) : undefined, bucketFill: c.bucketFill })),
      },
      keyColumn: manifest.towers[key]?.keyColumn,
    };
  }
  return { dir: root, manifest: manifest as BundleManifest, weights, towers };
}

function readBundleJson(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BundleError(`${file} is not valid JSON (${text.trim() === '' ? 'the file is empty' : (error as Error).message}): the bundle is damaged. Export the run again.`);
  }
}

/** A bundle that cannot be read: the CLI says why and exits 2. */
export class BundleError extends Error {}
