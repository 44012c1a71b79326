/**
 * The contract of docs/torch-engine.md end to end: the TS front door's prepared folder
 * (src/trainer/torch/prepare.ts) trained by the Python workers, 1 process and 2 gloo processes under
 * torchrun. Every line they write validates against schemas/events.schema.json; the checkpoint is
 * read by the TS checkpoint reader and a TS model (as `two-tower-lab eval` and `export` do), which
 * then gives the workers' last evaluation to 1e-6 and their item embeddings to 1e-5.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadExperiment } from '../../src/core/config/load';
import type { Experiment } from '../../src/core/config/schema';
import { loadDataset } from '../../src/core/data/load';
import type { Dataset } from '../../src/core/data/dataset';
import { TwoTowerModel } from '../../src/core/model/twoTowerModel';
import { initBackend } from '../../src/core/train/backend';
import { loadCheckpoint } from '../../src/core/train/checkpoint';
import { RunEvaluator } from '../../src/core/train/runEval';
import { Rng } from '../../src/core/util/rng';
import { writePrepared } from '../../src/trainer/torch/prepare';
import { parseEventLines, type TrainerEvent } from '../../src/shared/events';
import { eventValidator } from '../shared/eventsValidator';
import { maxDiff, named, PYTHON, pythonEnv, REPO, torchMissing } from './python';

const SETS = [
  'data.synthetic.users=200',
  'data.synthetic.items=120',
  'data.synthetic.ranking_log=true',
  'training.epochs=2',
  'training.batch_size=64',
  'training.negatives.source=mixed',
  'training.negatives.extra=16',
  'training.negatives.hard.source=ranking_log',
  'training.positives.rebalance.method=exponent',
];

let tmp: string;
let config: Experiment;
let dataset: Dataset;

/** A free local port: torch 1.13's --standalone always takes 29400, which another torchrun may hold. */
function freePort(): number {
  const r = spawnSync(PYTHON, ['-c', 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

function train(runDir: string, processes: number): { status: number | null; stderr: string } {
  const worker = ['-m', 'two_tower_lab.worker', '--run-dir', runDir];
  const rendezvous = ['--rdzv_backend=c10d', `--rdzv_endpoint=127.0.0.1:${freePort()}`, `--rdzv_id=${path.basename(runDir)}-${process.pid}`];
  const args =
    processes === 1
      ? worker
      : ['-m', 'torch.distributed.run', ...rendezvous, '--nnodes=1', `--nproc_per_node=${processes}`, '--redirects', '2', '--tee', '2', '--log_dir', path.join(runDir, 'torchrun'), ...worker];
  const r = spawnSync(PYTHON, args, { env: pythonEnv(), encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stderr: r.stderr };
}

function events(runDir: string): { lines: string[]; events: TrainerEvent[] } {
  const text = readFileSync(path.join(runDir, 'events.jsonl'), 'utf8');
  return { lines: text.split('\n').filter((l) => l.trim() !== ''), events: parseEventLines(text).events };
}

describe.skipIf(torchMissing() !== undefined)(named('torch workers on the front door’s prepared folder'), () => {
  beforeAll(async () => {
    await initBackend('cpu');
    tmp = mkdtempSync(path.join(tmpdir(), 'ttl-conformance-'));
    const file = path.join(REPO, 'examples', 'synthetic.tower.yaml');
    config = (await loadExperiment(file, SETS)).config;
    dataset = await loadDataset(config, file);
  }, 120_000);

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  for (const processes of [1, 2]) {
    it(`${processes} process${processes > 1 ? 'es (gloo)' : ''}: valid events, a checkpoint the TS side evaluates to the same metrics, the same embeddings`, async () => {
      const runDir = path.join(tmp, `run${processes}`);
      writePrepared(runDir, `conformance-${processes}`, config, dataset);
      const r = train(runDir, processes);
      expect(r.status, r.stderr.slice(-3000)).toBe(0);

      const { lines, events: all } = events(runDir);
      const validate = eventValidator();
      for (const line of lines) expect(validate(JSON.parse(line)), `${line.slice(0, 160)}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect([...new Set(all.map((e) => e.type))].sort()).toEqual(['checkpoint', 'ended', 'epoch', 'eval', 'sampling', 'step']);
      const ended = all[all.length - 1];
      expect(ended.type === 'ended' && ended.status).toBe('completed');
      const sampling = all.find((e) => e.type === 'sampling');
      expect(sampling?.type === 'sampling' && Object.keys(sampling.distribution.negatives).sort()).toEqual(['hard_log', 'in_batch', 'uniform']);

      const checkpoint = loadCheckpoint(path.join(runDir, 'checkpoint'));
      expect(checkpoint?.state.epoch).toBe(2);
      const model = TwoTowerModel.create(config, dataset, new Rng(1));
      model.setModelWeights(checkpoint!.weights);
      const evaluator = new RunEvaluator(dataset, config.evaluation, config.data.seed);
      const ts = evaluator.evaluate(model).metrics;
      const lastEval = all.filter((e) => e.type === 'eval').pop();
      if (lastEval?.type !== 'eval') throw new Error('no eval event');
      expect(lastEval.baseline).toEqual(evaluator.baseline);
      for (const k of Object.keys(ts)) expect(Math.abs(ts[k] - lastEval.metrics[k]), `${k}: TS ${ts[k]} vs torch ${lastEval.metrics[k]}`).toBeLessThan(1e-6);

      const bin = readFileSync(path.join(runDir, 'embeddings', 'items.bin'));
      const items = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
      expect(maxDiff(items, model.itemVectors())).toBeLessThan(1e-5);
      expect(JSON.parse(readFileSync(path.join(runDir, 'embeddings', 'items.ids.json'), 'utf8'))).toEqual(dataset.items.ids);
      model.dispose();
    }, 300_000);
  }
});
