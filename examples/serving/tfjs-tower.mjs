// A tower of an export bundle run by TensorFlow.js, without two-tower-lab (docs/serving.md): load
// <tower>/model.json with tf.loadLayersModel, encode feature rows with the bundle's vocabularies and
// statistics (<tower>.json), and print one {id, known, vector} line per row, as `two-tower-lab embed` does.
//   node tfjs-tower.mjs <bundle-dir> user_tower|item_tower <rows.csv>
// rows.csv: a header with the id column and the tower's feature columns, no quoted fields (as `generate` writes).
// In a browser it is the same code with tf.loadLayersModel('https://…/bundle/user_tower/model.json').
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
// What `@tensorflow/tfjs` bundles: the core, the CPU backend, and the layers API that loads LayersModels.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadLayersModel } from '@tensorflow/tfjs-layers';

const [bundle, side, rowsFile] = process.argv.slice(2);
const json = (file) => JSON.parse(readFileSync(path.join(bundle, file), 'utf8'));
const manifest = json('manifest.json');
const tower = json(manifest.towers[side].file);
const { model: modelFile, inputs } = manifest.towers[side].tfjs;

// Node without tfjs-node has no file:// handler: hand tfjs the model's files (in a browser, give the URL).
const modelJson = json(modelFile);
const model = await loadLayersModel({
  load: async () => ({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
    weightData: modelJson.weightsManifest.flatMap((group) => group.paths.map((p) => new Uint8Array(readFileSync(path.join(bundle, path.dirname(modelFile), p))).buffer)),
  }),
});

// Row 0 of every vocabulary is <oov>: an unseen id or value gets it.
const rowOf = (ids) => {
  const index = new Map(ids.map((id, row) => [id, row]));
  return (value) => index.get(value) ?? 0;
};
const idRow = rowOf(tower.ids);
const categoricalRow = Object.fromEntries(tower.categorical.map((c) => [c.name, rowOf(c.ids)]));
const continuous = Object.fromEntries(tower.continuous.map((c) => [c.name, c]));

/** The normalised value of a raw cell (a missing value is the training mean), as training normalised it. */
function normalised(raw, { normalize, stats }) {
  const x = normalize === 'log' ? Math.log1p(raw) : raw;
  const v = Number.isFinite(x) ? x : stats.mean;
  if (normalize === 'zscore' || normalize === 'log') return stats.std > 0 ? (v - stats.mean) / stats.std : 0;
  if (normalize === 'minmax') return stats.max > stats.min ? (v - stats.min) / (stats.max - stats.min) : 0;
  return v;
}
/** The bucket of a raw cell: how many boundaries are ≤ it (a missing value is bucketed as bucketFill). */
const bucket = (raw, { boundaries, bucketFill }) => boundaries.filter((b) => b <= (Number.isFinite(raw) ? raw : bucketFill)).length;

const [header, ...lines] = readFileSync(rowsFile, 'utf8').split('\n').filter((l) => l.trim() !== '');
const columns = header.split(',').map((c) => c.trim());
const rows = lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [columns[i], cell.trim()])));
const key = manifest.towers[side].keyColumn;
const number = (cell) => (cell === '' ? NaN : Number(cell));

const cellsOf = (input, row) => {
  if (input.kind === 'id') return idRow(row[key]);
  if (input.kind === 'categorical') return categoricalRow[input.feature](row[input.feature]);
  if (input.kind === 'bucket') return bucket(number(row[input.feature]), continuous[input.feature]);
  return normalised(number(row[input.feature]), continuous[input.feature]);
};
const tensors = inputs.map((input) => tf.tensor2d(rows.map((row) => cellsOf(input, row)), [rows.length, 1], input.dtype));
const vectors = model.predict(tensors).arraySync();
rows.forEach((row, r) => console.log(JSON.stringify({ id: row[key], known: idRow(row[key]) > 0, vector: vectors[r] })));
