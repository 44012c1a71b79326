// A serving system in a few lines, from an export bundle (docs/serving.md): embed the catalogue with
// `two-tower-lab embed`, index it with usearch, answer "the top K items of this user" from user vectors.
//   node serve.mjs <bundle-dir> <catalogue.jsonl> <users.jsonl> [K]
// catalogue.jsonl and users.jsonl are what `two-tower-lab embed` writes (one {id, known, vector} per line).
import { readFileSync } from 'node:fs';
import usearch from 'usearch';

const [bundle, catalogueFile, usersFile, k = '10'] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(`${bundle}/manifest.json`, 'utf8'));
const lines = (file) => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));

// The index as the run built its own (items.usearch): same metric and parameters, from the manifest.
const serving = manifest.experiment.serving;
const index = new usearch.Index({
  dimensions: manifest.dim,
  metric: manifest.score.metric === 'cosine' ? 'cos' : 'ip',
  quantization: serving.quantization,
  connectivity: serving.connectivity,
  expansion_add: serving.expansion_add,
  expansion_search: serving.expansion_search,
});
const catalogue = lines(catalogueFile);
const vectors = new Float32Array(catalogue.length * manifest.dim);
catalogue.forEach((item, i) => vectors.set(item.vector, i * manifest.dim));
index.add(BigUint64Array.from(catalogue, (_, i) => BigInt(i)), vectors);

for (const user of lines(usersFile)) {
  const found = index.search(Float32Array.from(user.vector), Number(k), 1);
  // usearch returns distances: 1 − cosine (or 1 − dot product); the score is 1 − distance.
  const top = Array.from(found.keys, (key, j) => `${catalogue[Number(key)].id}:${(1 - found.distances[j]).toFixed(4)}`);
  console.log(`${user.id}\t${top.join(' ')}`);
}
