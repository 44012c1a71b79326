/**
 * Where a step's time goes: per-kernel time of one in-batch step of the reference model at B=512 on wasm
 * (tf.profile), beside the step's wall time. `npx tsx bench/train-throughput.profile.ts`
 */
import * as tf from '@tensorflow/tfjs-core';

import { TwoTowerModel } from '../src/core/model/twoTowerModel';
import { initBackend, type BackendName } from '../src/core/train/backend';
import { Rng } from '../src/core/util/rng';
import { referenceDataset, referenceExperiment } from './train-throughput.reference';

async function main(): Promise<void> {
  const backend = await initBackend((process.argv[2] as BackendName | undefined) ?? 'wasm');
  const b = 512;
  const rng = new Rng(1);
  const model = TwoTowerModel.create(referenceExperiment(b), referenceDataset(new Rng(7)), rng);
  const batch = () => ({ users: new Int32Array(b).map(() => 1 + rng.int(6040)), posItems: new Int32Array(b).map(() => 1 + rng.int(3706)) });
  for (let i = 0; i < 5; i++) model.trainStep(batch());
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) model.trainStep(batch());
  console.log(`${backend}: wall ${((performance.now() - t0) / 10).toFixed(1)} ms/step at B=${b}`);
  const info = await tf.profile(() => {
    model.trainStep(batch());
  });
  const byKernel = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.n++;
    byKernel.set(k.name, e);
  }
  const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
  console.log(`kernel time ${total.toFixed(1)} ms in ${info.kernels.length} kernels`);
  for (const [name, e] of [...byKernel].sort((x, y) => y[1].ms - x[1].ms).slice(0, 12)) console.log(`  ${name.padEnd(22)} ${e.ms.toFixed(2).padStart(7)} ms ×${e.n}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
