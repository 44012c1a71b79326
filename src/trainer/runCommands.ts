/**
 * `two-tower-lab eval <run-id>` and `export <run-id>`: rebuild a run's model from its config.yaml and
 * last checkpoint, then evaluate it (model vs popularity table) or write its embeddings and weights.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadExperiment } from '../core/config/load';
import { loadDataset } from '../core/data/load';
import { loadCheckpoint } from '../core/train/checkpoint';
import { writeEmbeddings } from '../core/train/runEmbeddings';
import { RunEvaluator } from '../core/train/runEval';
import { runPaths } from '../core/train/runFolder';
import { writeWeights } from '../core/train/weightsFile';
import type { RunArgs } from './args';
import type { ProgressSink } from './progress';
import { formatMetricsTable } from './table';
import type { Engine } from './train';

async function restoreRun(args: RunArgs, engine: Engine) {
  const paths = runPaths(args.runsDir, args.runId);
  if (!existsSync(paths.config)) {
    throw new RunNotFound(`no run '${args.runId}' in ${path.resolve(args.runsDir)} (looked for ${paths.config}). Give --runs-dir if the run lives elsewhere.`);
  }
  const checkpoint = loadCheckpoint(paths.checkpoint);
  if (!checkpoint) throw new Error(`Run ${args.runId} has no checkpoint yet (it ended before its first epoch did), so there is no model to load.`);
  const { config } = await loadExperiment(paths.config);
  await engine.initBackend(args.backend);
  const dataset = await loadDataset(config, paths.config);
  const model = await engine.createModel(config, dataset);
  // A torch checkpoint holds the model in the same names and layouts, without tfjs optimiser state.
  if (checkpoint.state.engine === 'torch') model.setModelWeights(checkpoint.weights);
  else model.setWeights(checkpoint.weights);
  return { paths, config, dataset, model, checkpoint };
}

export class RunNotFound extends Error {}

export async function evalCommand(args: RunArgs, engine: Engine, out: ProgressSink): Promise<number> {
  const { config, dataset, model, checkpoint } = await restoreRun(args, engine);
  try {
    const evaluator = new RunEvaluator(dataset, config.evaluation, config.data.seed);
    const { metrics } = evaluator.evaluate(model);
    out.write(`run ${args.runId}, checkpoint after epoch ${checkpoint.state.epoch} (step ${checkpoint.state.step}):\n`);
    out.write(formatMetricsTable(metrics, evaluator.baseline));
    return 0;
  } finally {
    model.dispose();
  }
}

export async function exportCommand(args: RunArgs, engine: Engine, out: ProgressSink): Promise<number> {
  const { paths, config, dataset, model, checkpoint } = await restoreRun(args, engine);
  try {
    const dir = path.resolve(args.out ?? path.join(paths.dir, 'export'));
    const users = new Int32Array(dataset.users.size);
    for (let u = 0; u < users.length; u++) users[u] = u;
    writeEmbeddings(dir, 'items', model.itemVectors(), dataset.items.ids, model.outputDim);
    writeEmbeddings(dir, 'users', model.userVectors(users), dataset.users.ids, model.outputDim);
    const weights = engine.modelWeights(checkpoint.weights);
    writeWeights(dir, weights, {
      format: 'two-tower-lab/model@1',
      generatedBy: 'two-tower-lab export',
      runId: args.runId,
      epoch: checkpoint.state.epoch,
      // The towers' architecture as configured; the weights manifest names each tensor.
      modelTopology: { user_tower: config.user_tower, item_tower: config.item_tower, score: config.score },
    });
    out.write(`exported run ${args.runId} (epoch ${checkpoint.state.epoch}) to ${dir}:\n  items.bin + items.ids.json (${dataset.items.size} × ${model.outputDim})\n  users.bin + users.ids.json (${dataset.users.size} × ${model.outputDim})\n  model.json + weights.bin (${Object.keys(weights).length} tensors, tfjs weights format)\n`);
    return 0;
  } finally {
    model.dispose();
  }
}
