/**
 * `two-tower-lab eval <run-id>` and `export <run-id>`: rebuild a run's model from its config.yaml and
 * its best checkpoint (or the last: `--last`; core/train/runModel.ts), then evaluate it (model vs popularity table) or write its embeddings and weights.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadExperiment } from '../core/config/load';
import { loadDataset } from '../core/data/load';
import { writePerUserEval } from '../core/eval/perUser';
import { loadCheckpoint } from '../core/train/checkpoint';
import { writeEmbeddings } from '../core/train/runEmbeddings';
import { RunEvaluator } from '../core/train/runEval';
import { runPaths, type RunPaths } from '../core/train/runFolder';
import { resolveRunModel } from '../core/train/runModel';
import { writeWeights } from '../core/train/weightsFile';
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

async function restoreRun(args: RunArgs, engine: Engine) {
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
    const evaluator = new RunEvaluator(dataset, config.evaluation, config.data.seed);
    const { metrics, perUser } = evaluator.evaluatePerUser(model);
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

export async function exportCommand(args: RunArgs, engine: Engine, out: ProgressSink): Promise<number> {
  const { paths, config, dataset, model, checkpoint, chosen } = await restoreRun(args, engine);
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
      model: chosen.which,
      // The towers' architecture as configured; the weights manifest names each tensor.
      modelTopology: { user_tower: config.user_tower, item_tower: config.item_tower, score: config.score },
    });
    out.write(`exported run ${args.runId} (epoch ${checkpoint.state.epoch}: ${chosen.describe}) to ${dir}:\n  items.bin + items.ids.json (${dataset.items.size} × ${model.outputDim})\n  users.bin + users.ids.json (${dataset.users.size} × ${model.outputDim})\n  model.json + weights.bin (${Object.keys(weights).length} tensors, tfjs weights format)\n`);
    return 0;
  } finally {
    model.dispose();
  }
}
