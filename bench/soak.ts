/**
 * Soak of the run store: the fault trials of test/trainer/faults.test.ts by the hundred. Each trial starts
 * a small real run (`node dist/trainer.js train examples/synthetic.tower.yaml`, 300 users × 200 items,
 * 3 epochs), kills it (kill -9 or SIGTERM) at a random moment, checks what readers see, resumes it, and
 * compares it with an uninterrupted run (item embeddings byte for byte, last metrics). Every tenth
 * trial is a full-disk trial on a 2 MB tmpfs instead, where mount is permitted. Prints one line per
 * failed trial, then `survived=<n>/<N>`. Needs `node esbuild.mjs` first.
 *
 *   npx tsx bench/soak.ts [trials=100] [seed]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mountSmallTmpfs, planTrials, referenceRun, runFullDiskTrial, runTrial, seededRandom, type TrialResult } from '../test/trainer/faultTrial';
import { assertBuilt } from '../test/trainer/trainerProcess';

const N = Number(process.argv[2] ?? 100);
const SEED = Number(process.argv[3] ?? Math.floor(Math.random() * 2 ** 31));

async function main(): Promise<void> {
  assertBuilt();
  const cwd = mkdtempSync(path.join(tmpdir(), 'ttl-soak-'));
  const disk = mountSmallTmpfs();
  console.log(`soak: ${N} trials, seed ${SEED} (repeat: npx tsx bench/soak.ts ${N} ${SEED})${'skip' in disk ? `; full-disk trials skipped: ${disk.skip}` : ''}`);
  const began = Date.now();
  let survived = 0;
  const kinds: Record<string, [number, number]> = {};
  try {
    const reference = await referenceRun(cwd);
    const plans = planTrials(SEED, N);
    const random = seededRandom(SEED ^ 0x5eed);
    for (let i = 0; i < N; i++) {
      const fullDisk = i % 10 === 9 && 'dir' in disk;
      let result: TrialResult;
      let kind: string;
      if (fullDisk) {
        kind = 'full-disk';
        result = await runFullDiskTrial(disk.dir, Math.floor(random() * 900 * 1024), cwd, reference, `disk-${i + 1}`);
      } else {
        kind = plans[i].kind;
        result = await runTrial(plans[i], cwd, reference, `trial-${i + 1}`);
      }
      const k = (kinds[kind] ??= [0, 0]);
      k[1]++;
      if (result.survived) {
        survived++;
        k[0]++;
      } else {
        console.log(`trial ${i + 1} did not survive: ${result.outcome}\n  ${result.problems.join('\n  ')}`);
      }
      if ((i + 1) % 10 === 0) console.log(`  ${i + 1}/${N} trials, ${survived} survived, ${Math.round((Date.now() - began) / 1000)} s`);
    }
  } finally {
    if ('unmount' in disk) disk.unmount();
    rmSync(cwd, { recursive: true, force: true });
  }
  console.log(`by kind: ${Object.entries(kinds).map(([kind, [ok, all]]) => `${kind} ${ok}/${all}`).join(', ')}; ${Math.round((Date.now() - began) / 1000)} s`);
  console.log(`survived=${survived}/${N}`);
  process.exitCode = survived === N ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`soak: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 2;
});
