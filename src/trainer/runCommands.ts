/**
 * `two-tower-lab eval <run-id>` and `export <run-id>`: rebuild a run's model from its config.yaml and
 * its best checkpoint (or the last: `--last`; core/train/runModel.ts), then evaluate it (model vs popularity table) or write its embeddings and weights.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadExperiment } from '../core/config/load';
import type { Experiment } from '../core/config/schema';
import { loadDataset } from '../core/data/load';
import { writePerUserEval } from '../core/eval/perUser';
import { loadCheckpoint } from '../core/train/checkpoint';
import { RunEvaluator } from '../core/train/runEval';
import { runPaths, type RunPaths } from '../core/train/runFolder';
import { resolveRunModel } from '../core/train/runModel';
import { writeBundle } from '../core/serving/bundle';
import { writeItemIndex } from '../core/serving/annIndex';
import { BUNDLE_FORMAT, ITEM_INDEX_FILE, MANIFEST_FILE, TFJS_TOWER_MODEL, TORCHSCRIPT_FILE, TOWER_FILE } from '../core/serving/bundleFiles';
import { tfjsTowerArtifacts } from '../core/serving/tfjsTower';
import { findTorchAsync, noTorchMessage } from '../core/engines/torchProbe';
import { findPackageDir } from './torch/runner';
import { scoreMetric } from '../core/serving/scoreMetric';
import type { RunArgs } from './args';
import type { ProgressSink } from './progress';
import { formatMetricsTable } from './table';
import type { Engine } from './train';

/** The run folder of `runId`; RunNotFound (exit 2) when there is none. */
export function existingRunPaths(runsDir: string, runId: string): RunPaths {
  const paths = runPaths(runsDir, runId);
  if (!existsSync(paths.config)) {
    throw new RunNotFound(`no run '${runId}' in ${path.resolve(runsDir)} (looked for ${paths.config}). Give --runs-dir if the run lives elsewhere.`);
  }
  return paths;
}

/**
 * Rebuilds run `runId`'s model from its config.yaml and its best checkpoint, or its last one with `last`
 * (core/train/runModel.ts: the one choice eval, export, compare and recommend share).
 */
export async function restoreRun(args: Pick<RunArgs, 'runId' | 'runsDir' | 'backend' | 'last'>, engine: Engine) {
  const paths = existingRunPaths(args.runsDir, args.runId);
  const chosen = resolveRunModel(paths, { last: args.last });
  const checkpoint = chosen.checkpointDir !== undefined ? loadCheckpoint(chosen.checkpointDir) : undefined;
  if (!checkpoint) throw new Error(`Run ${args.runId} has no checkpoint yet (it ended before its first epoch did), so there is no model to load.`);
  const { config } = await loadExperiment(paths.config);
  await engine.initBackend(args.backend);
  const dataset = await loadDataset(config, paths.config);
  const model = await engine.createModel(config, dataset);
  // A torch checkpoint holds the model in the same names and layouts, without tfjs optimiser state.
  if (checkpoint.state.engine === 'torch') model.setModelWeights(checkpoint.weights);
  else model.setWeights(checkpoint.weights);
  return { paths, config, dataset, model, checkpoint, chosen };
}

export class RunNotFound extends Error {}

export async function evalCommand(args: RunArgs, engine: Engine, out: ProgressSink): Promise<number> {
  const { paths, config, dataset, model, checkpoint, chosen } = await restoreRun(args, engine);
  try {
    const evaluator = new RunEvaluator(dataset, config.evaluation, config.data.seed, { serving: config.serving, metric: scoreMetric(config) });
    const { metrics, perUser } = evaluator.evaluate(model);
    // The same values the loop wrote after that epoch (or the first ones, for a run older than them): compare reads them.
    const file = writePerUserEval(paths.dir, checkpoint.state.epoch, perUser);
    out.write(`run ${args.runId}, checkpoint after epoch ${checkpoint.state.epoch} (step ${checkpoint.state.step}; ${chosen.describe}):\n`);
    out.write(formatMetricsTable(metrics, evaluator.baseline));
    out.write(`per-user values of ${perUser.users.length} test users: ${path.relative(process.cwd(), file) || file}\n`);
    return 0;
  } finally {
    model.dispose();
  }
}

/**
 * Writes the run's export bundle (core/serving/bundle.ts): everything a serving system needs to embed
 * users and items, with the item and user vectors and the item index.
 */
export async function exportCommand(args: RunArgs, engine: Engine, out: ProgressSink): Promise<number> {
  const { paths, config, dataset, model, checkpoint, chosen } = await restoreRun(args, engine);
  try {
    const dir = path.resolve(args.out ?? path.join(paths.dir, 'export'));
    const users = new Int32Array(dataset.users.size);
    for (let u = 0; u < users.length; u++) users[u] = u;
    const weights = engine.modelWeights(checkpoint.weights);
    const itemVectors = model.itemVectors();
    const tfjsTowers = {
      user_tower: await tfjsTowerArtifacts('user_tower', config.user_tower, dataset.users, dataset.userFeatures, weights),
      item_tower: await tfjsTowerArtifacts('item_tower', config.item_tower, dataset.items, dataset.itemFeatures, weights),
    };
    // A torch run's towers also as TorchScript, written by the Python that trained it.
    const torchPython = checkpoint.state.engine === 'torch' ? await torchPythonFor(config.training.engine_options.python) : undefined;
    writeBundle(dir, {
      config,
      run: { id: args.runId, epoch: checkpoint.state.epoch, step: checkpoint.state.step, engine: checkpoint.state.engine ?? 'tfjs', model: chosen.which },
      towers: {
        user_tower: { vocabulary: dataset.users, features: dataset.userFeatures },
        item_tower: { vocabulary: dataset.items, features: dataset.itemFeatures },
      },
      weights,
      tfjsTowers,
      dim: model.outputDim,
      itemVectors,
      userVectors: model.userVectors(users),
      extras: (staged): Record<string, string> => ({
        ...(config.serving.index ? { itemIndex: writeItemIndex(staged, itemVectors, model.outputDim, scoreMetric(config), config.serving) } : {}),
        ...(torchPython ? writeTorchScript(torchPython, staged, config) : {}),
      }),
    });
    out.write(
      `exported run ${args.runId} (epoch ${checkpoint.state.epoch}: ${chosen.describe}) to ${dir}:\n` +
        `  ${MANIFEST_FILE} (format ${BUNDLE_FORMAT}: versions, score, the experiment)\n` +
        `  ${TOWER_FILE.user_tower}, ${TOWER_FILE.item_tower} (id vocabularies with the OOV row, feature vocabularies, normalisation statistics, bucket boundaries)\n` +
        `  model.json + weights.bin (${Object.keys(weights).length} tensors, tfjs weights format)\n` +
        `  ${TFJS_TOWER_MODEL.user_tower}, ${TFJS_TOWER_MODEL.item_tower} (+ weights.bin: each tower as a tfjs LayersModel, for tf.loadLayersModel)\n` +
        `  items.bin + items.ids.json (${dataset.items.size} × ${model.outputDim}), users.bin + users.ids.json (${dataset.users.size} × ${model.outputDim})\n` +
        (torchPython ? `  user_tower.pt, item_tower.pt (TorchScript towers: rows + values from embed --with-inputs → vectors)\n` : '') +
        (config.serving.index ? `  ${ITEM_INDEX_FILE} (usearch HNSW of the items, ${scoreMetric(config)}, M ${config.serving.connectivity}, ${config.serving.quantization})\n` : '') +
        `embed new rows with: two-tower-lab embed ${dir} --users FILE | --items FILE\n`,
    );
    return 0;
  } finally {
    model.dispose();
  }
}

/** The Python with torch to write TorchScript with (the run's engine_options.python, else the usual search). */
async function torchPythonFor(configured: string | undefined): Promise<string> {
  const finding = await findTorchAsync(configured);
  if (!finding.chosen) throw new Error(`This run was trained by the torch engine, and its export includes the towers as TorchScript, which needs a Python with torch:\n${noTorchMessage(finding.probes)}`);
  return finding.chosen.python;
}

/** Runs python/two_tower_lab/torchscript.py on the staged bundle; returns the files it wrote by role. */
function writeTorchScript(python: string, staged: string, config: Experiment): Record<string, string> {
  const env = { ...process.env, PYTHONPATH: [findPackageDir(), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) };
  // The manifest is written last, so the experiment goes by stdin.
  const r = spawnSync(python, ['-m', 'two_tower_lab.torchscript', staged, '--experiment', '-'], { env, encoding: 'utf8', input: JSON.stringify(config) });
  if (r.status !== 0) throw new Error(`Writing the TorchScript towers with ${python} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' ')}`);
  return { userTowerTorchScript: TORCHSCRIPT_FILE.user_tower, itemTowerTorchScript: TORCHSCRIPT_FILE.item_tower };
}
