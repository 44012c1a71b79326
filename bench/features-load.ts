/**
 * What features cost at load time, through the product's front door (`two-tower-lab data`, which
 * prints its load time), on one generated log in one run:
 *  - no features (ID towers only);
 *  - the features in feature tables (users.csv, items.csv beside the log);
 *  - the same features as columns of the log itself (no feature table: each tower reads them from the
 *    interactions, as a log exported with its item and user attributes is read);
 * beside pandas `read_csv` of the wide log (Debian's python3-pandas, one thread) as the peer.
 * Each reading is a fresh process, rounds alternate, medians are printed.
 *
 *   node esbuild.mjs && npx tsx bench/features-load.ts [--users 20000 --items 8000] [--rounds 3] [--trainer OTHER/dist/trainer.js]
 *
 * Last line: `features_in_log_over_no_features=<n>` (what reading the features from the log adds, as a
 * multiple of the load without them).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { DuckDBInstance } from '@duckdb/node-api';

const REPO = path.resolve(__dirname, '..');
const { values } = parseArgs({
  options: { users: { type: 'string', default: '20000' }, items: { type: 'string', default: '8000' }, rounds: { type: 'string', default: '3' }, trainer: { type: 'string', default: path.join(REPO, 'dist', 'trainer.js') } },
});
// `--trainer`: another build's dist/trainer.js, to measure a change against the code before it.
const TRAINER = path.resolve(values.trainer);
const PEER = path.join(REPO, 'bench', 'peers', 'data_scale_peer.py');
const ONE_THREAD = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The towers of examples/synthetic.tower.yaml (the generator's features), with or without their features. */
function towers(withFeatures: boolean): string {
  if (!withFeatures) return 'user_tower:\n  id_embedding_dim: 32\n  output_dim: 32\nitem_tower:\n  id_embedding_dim: 32\n  output_dim: 32\n';
  const example = readFileSync(path.join(REPO, 'examples', 'synthetic.tower.yaml'), 'utf8');
  return example.slice(example.indexOf('user_tower:'), example.indexOf('score:'));
}

function experiment(name: string, log: string, featureTables: boolean, withFeatures: boolean): string {
  const tables = featureTables ? '  user_features:\n    path: users.csv\n    key: user_id\n  item_features:\n    path: items.csv\n    key: item_id\n' : '';
  return `name: ${name}\ndata:\n  interactions:\n    path: ${log}\n${tables}  positive:\n    rule: clicked\n  split:\n    method: leave_last_n\n    n: 2\n  seed: 42\n${towers(withFeatures)}`;
}

function loadSeconds(dir: string, file: string): number {
  const out = execFileSync(process.execPath, [TRAINER, 'data', path.join(dir, file)], { encoding: 'utf8' });
  const match = /\(loaded in ([\d.]+) s\)/.exec(out);
  if (!match) throw new Error(`two-tower-lab data ${file} printed no load time:\n${out}`);
  return Number(match[1]);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'features-load-'));
  try {
    console.log(`load average at the start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    let t = performance.now();
    execFileSync(process.execPath, [TRAINER, 'generate', '--users', values.users, '--items', values.items, '--out', dir], { stdio: 'ignore' });
    console.log(`generate ${values.users} users × ${values.items} items: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    // The log with its items' and users' attributes as columns, in the log's own row order.
    t = performance.now();
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const q = (name: string) => `'${path.join(dir, name)}'`;
    await c.run(`COPY (SELECT l.user_id, l.item_id, l.timestamp, l.impressed, l.clicked, i.category, i.price, i.age_days, u.segment, u.age, u.activity
      FROM (SELECT *, row_number() OVER () AS r FROM read_csv(${q('interactions.csv')})) AS l
      JOIN read_csv(${q('items.csv')}) AS i USING (item_id) JOIN read_csv(${q('users.csv')}) AS u USING (user_id) ORDER BY l.r) TO ${q('wide.csv')} (HEADER)`);
    c.closeSync();
    console.log(`widened the log with the features (DuckDB): ${((performance.now() - t) / 1000).toFixed(1)} s`);
    writeFileSync(path.join(dir, 'ids.tower.yaml'), experiment('ids', 'interactions.csv', false, false));
    writeFileSync(path.join(dir, 'tables.tower.yaml'), experiment('tables', 'interactions.csv', true, true));
    writeFileSync(path.join(dir, 'in-log.tower.yaml'), experiment('in-log', 'wide.csv', false, true));

    const cases = ['ids', 'tables', 'in-log'] as const;
    const seconds: Record<(typeof cases)[number] | 'pandas', number[]> = { ids: [], tables: [], 'in-log': [], pandas: [] };
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const name of cases) seconds[name].push(loadSeconds(dir, `${name}.tower.yaml`));
      const peer = spawnSync('/usr/bin/python3', [PEER, 'load', path.join(dir, 'wide.csv')], { encoding: 'utf8', env: ONE_THREAD });
      if (peer.status !== 0) throw new Error(`the pandas peer failed: ${peer.stderr}`);
      seconds.pandas.push((JSON.parse(peer.stdout.trim().split('\n').at(-1)!) as { sec: number }).sec);
      console.log(`round ${round + 1}: ${[...cases, 'pandas' as const].map((n) => `${n} ${seconds[n].at(-1)!.toFixed(2)} s`).join(', ')}`);
    }
    console.log('\n| log read (median) | seconds |\n|---|---:|');
    console.log(`| no features (ID towers) | ${median(seconds.ids).toFixed(2)} |`);
    console.log(`| features from users.csv / items.csv | ${median(seconds.tables).toFixed(2)} |`);
    console.log(`| features as columns of the log | ${median(seconds['in-log']).toFixed(2)} |`);
    console.log(`| pandas read_csv of that log (peer) | ${median(seconds.pandas).toFixed(2)} |`);
    console.log(`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`features_in_log_over_no_features=${(median(seconds['in-log']) / median(seconds.ids)).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
