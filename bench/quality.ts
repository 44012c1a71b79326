/**
 * Quality on MovieLens latest-small: recall@10/50/100 and NDCG@10 of each training mode beside the
 * popularity baseline on the same split. Each mode is trained by the real trainer through its CLI
 * (`node dist/trainer.js train examples/movielens.tower.yaml --mode … --loss … --set …`); metrics are
 * the last `eval` event of each run's events.jsonl. Build first (`npm run build`).
 *
 *   npx tsx bench/quality.ts [--epochs N] [--only REGEX] [--data DIR] [--out FILE] [--keep]
 *
 * Split and positive rule are those of examples/movielens.tower.yaml: a rating ≥ 4 is a positive,
 * each user's last 2 positives by time are held out, seen items are excluded from the ranking, and
 * retrieval is over the full catalogue. Prints a Markdown table (also written to --out).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { parseEventLines, type EvalEvent, type StartedEvent } from '../src/shared/events';

const ROOT = path.resolve(import.meta.dirname, '..');
const TRAINER = path.join(ROOT, 'dist', 'trainer.js');
const EXPERIMENT = path.join(ROOT, 'examples', 'movielens.tower.yaml');

interface Variant {
  id: string;
  label: string;
  args: string[];
}

/** One configuration per mode (and both pairwise losses); everything else is the example file's. */
const VARIANTS: Variant[] = [
  { id: 'listwise-inbatch', label: 'listwise · softmax · in-batch + logQ', args: ['--mode', 'listwise', '--loss', 'softmax'] },
  {
    id: 'pairwise-hinge',
    label: 'pairwise · hinge m=0.2 · popularity^0.75 negatives',
    args: ['--mode', 'pairwise', '--loss', 'hinge', '--set', 'training.negatives.source=popularity', '--set', 'training.negatives.logq_correction=false', '--set', 'training.negatives.per_positive=2'],
  },
  {
    id: 'pairwise-logistic',
    label: 'pairwise · logistic σ=10 · popularity^0.75 negatives',
    args: ['--mode', 'pairwise', '--loss', 'logistic', '--set', 'training.negatives.source=popularity', '--set', 'training.negatives.logq_correction=false', '--set', 'training.negatives.per_positive=2'],
  },
  {
    id: 'pointwise-bce',
    label: 'pointwise · bce · uniform negatives 1:3',
    args: ['--mode', 'pointwise', '--loss', 'bce', '--set', 'training.negatives.source=uniform', '--set', 'training.negatives.logq_correction=false', '--set', 'training.negatives.per_positive=3'],
  },
];

const COLUMNS = ['recall@10', 'recall@50', 'recall@100', 'ndcg@10'] as const;

function main(): void {
  const { values } = parseArgs({
    options: { epochs: { type: 'string', default: '5' }, only: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, keep: { type: 'boolean', default: false } },
  });
  if (!existsSync(TRAINER)) throw new Error(`${TRAINER} is missing: run \`npm run build\` first.`);
  const runsDir = mkdtempSync(path.join(tmpdir(), 'ttl-quality-'));
  const only = values.only ? new RegExp(values.only) : undefined;
  const dataArgs: string[] = [];
  if (values.data) {
    const dir = path.resolve(values.data);
    dataArgs.push('--set', `data.interactions.path=${path.join(dir, 'ratings.csv')}`, '--set', `data.item_features.path=${path.join(dir, 'movies.csv')}`);
  }
  const rows: string[] = [];
  let baseline: Record<string, number> | undefined;
  let started: StartedEvent | undefined;
  try {
    for (const v of VARIANTS) {
      if (only && !only.test(v.id)) continue;
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [TRAINER, 'train', EXPERIMENT, '--runs-dir', runsDir, '--run-id', v.id, '--epochs', values.epochs, '--events-stdout', 'off', '--quiet', ...dataArgs, ...v.args], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      const wall = (performance.now() - t0) / 1000;
      if (r.status !== 0) throw new Error(`${v.id}: the trainer exited with ${r.status}:\n${r.stderr}`);
      const { events } = parseEventLines(readFileSync(path.join(runsDir, v.id, 'events.jsonl'), 'utf8'));
      const last = events.filter((e): e is EvalEvent => e.type === 'eval').at(-1);
      if (!last) throw new Error(`${v.id}: the run has no eval event.`);
      started ??= events.find((e): e is StartedEvent => e.type === 'started');
      baseline ??= last.baseline;
      rows.push(`| ${v.label} | ${COLUMNS.map((c) => last.metrics[c].toFixed(4)).join(' | ')} | ${wall.toFixed(0)} s |`);
      process.stderr.write(`${v.id}: ${COLUMNS.map((c) => `${c} ${last.metrics[c].toFixed(4)}`).join('  ')}  (${wall.toFixed(0)} s)\n`);
    }
  } finally {
    if (!values.keep) rmSync(runsDir, { recursive: true, force: true });
    else process.stderr.write(`runs kept in ${runsDir}\n`);
  }
  if (!baseline || !started) throw new Error('No variant ran (check --only).');
  const d = started.dataset;
  const table = [
    `MovieLens latest-small, ${d.users} users × ${d.items} items, ${d.trainPositives} training / ${d.testPositives} held-out positives, ${values.epochs} epochs, backend ${started.backend}.`,
    '',
    `| mode · loss · negatives | ${COLUMNS.join(' | ')} | wall time |`,
    `|---|${COLUMNS.map(() => '---:').join('|')}|---:|`,
    ...rows,
    `| popularity baseline | ${COLUMNS.map((c) => baseline[c].toFixed(4)).join(' | ')} | – |`,
    '',
  ].join('\n');
  process.stdout.write(table);
  if (values.out) writeFileSync(values.out, table);
}

main();
