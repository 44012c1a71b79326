/**
 * A small file-based experiment for the serving tests: generated interactions, users and items as CSV
 * (so that `embed` can be given the very rows the run trained on), with features of every kind on both
 * towers (categorical, zscore, log, minmax, bucketised log).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runTrainer, workspace } from './trainerProcess';

export const DIM = 8;

export function servingExperiment(extra = ''): string {
  return `name: serving
data:
  interactions: { path: gen/interactions.csv }
  user_features: { path: gen/users.csv, key: user_id }
  item_features: { path: gen/items.csv, key: item_id }
  positive: { rule: clicked }
  split: { method: leave_last_n, n: 1 }
user_tower:
  id_embedding_dim: 8
  categorical: [{ name: segment, embedding_dim: 4 }]
  continuous: [{ name: age, normalize: zscore }, { name: activity, normalize: log }]
  mlp: { hidden: [16] }
  output_dim: ${DIM}
item_tower:
  id_embedding_dim: 8
  categorical: [{ name: category, embedding_dim: 4 }]
  continuous: [{ name: price, normalize: log, buckets: 4, embedding_dim: 4 }, { name: age_days, normalize: minmax }]
  mlp: { hidden: [16] }
  output_dim: ${DIM}
training: { mode: listwise, loss: softmax, negatives: { source: in_batch }, batch_size: 32, epochs: 1, seed: 5 }
evaluation: { k: [5, 10] }
${extra}`;
}

/** A workspace with generated data (150 users, 80 items) and the experiment above trained as run `r1`. */
export async function trainedServingRun(extra = ''): Promise<string> {
  const cwd = workspace({ 'serving.tower.yaml': servingExperiment(extra) });
  const gen = await runTrainer(['generate', '--out', 'gen', '--users', '150', '--items', '80', '--seed', '3'], cwd);
  if (gen.code !== 0) throw new Error(gen.stderr);
  const train = await runTrainer(['train', 'serving.tower.yaml', '--run-id', 'r1', '--events-stdout', 'off', '--quiet'], cwd);
  if (train.code !== 0) throw new Error(train.stderr);
  return cwd;
}

/** Float32 rows of a `.bin` written by the trainer, with the ids of its `.ids.json`. */
export function readVectors(binFile: string): { ids: string[]; vectors: Float32Array } {
  const bytes = readFileSync(binFile);
  const vectors = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const ids = JSON.parse(readFileSync(binFile.replace(/\.bin$/, '.ids.json'), 'utf8')) as string[];
  return { ids, vectors };
}

export interface EmbeddedLine {
  id: string;
  known: boolean;
  vector: number[];
}

export function readEmbedded(file: string): EmbeddedLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as EmbeddedLine);
}

export const runDir = (cwd: string, runId = 'r1'): string => path.join(cwd, '.two-tower-lab', 'runs', runId);
