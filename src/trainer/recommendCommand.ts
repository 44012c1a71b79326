/**
 * `two-tower-lab recommend <run-id> --user ID | --users FILE`: what the model recommends to a user — the
 * top K items with their scores, by the ANN index (default) or exact search, marked when the user saw
 * the item in training or holds it out, and joined with the item feature table so a person reads titles.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../core/data/dataset';
import { itemTableOf } from '../core/data/load';
import { groupByUser, type ItemsByUser } from '../core/eval/grouping';
import { popularityRanks } from '../core/sampling/popularity';
import type { RunModel } from '../core/train/runModel';
import { ItemIndex } from '../core/serving/annIndex';
import { ITEM_INDEX_FILE } from '../core/serving/bundleFiles';
import { readItemTable, type ItemTable } from '../core/serving/itemTable';
import { annTopK, exactTopK, type Recommended } from '../core/serving/recommend';
import { scoreMetric } from '../core/serving/scoreMetric';
import type { BackendName } from '../shared/events';
import { DEFAULT_RECOMMEND_K } from '../shared/recommendProtocol';
import { DEFAULT_RUNS_DIR, parseCommandArgs, UsageError } from './args';
import type { ProgressSink } from './progress';
import { restoreRun } from './runCommands';
import type { Engine } from './train';

export const RECOMMEND_USAGE = `usage: two-tower-lab recommend <run-id> --user ID | --users FILE [options]

The top K items the run's model retrieves for a user, with their scores, marked 'seen' (a training
positive of the user) and 'held-out' (a held-out positive: what evaluation hopes to find), joined with
the item feature table (titles and genres on MovieLens), and each item's popularity rank (1 = the item
with the most training positives; items with as many share a rank).

  --user ID             a user id of the run's data
  --users FILE          many users: one id per line (a first line that is no user id, a header, is skipped)
  --list-users          instead: every user of the run as JSON lines {user, trainPositives, heldOut}
                        (what the editor's user pick offers; users with heldOut > 0 are test users)
  -k N                  how many items (default ${DEFAULT_RECOMMEND_K})
  --exact               exact search over every item (default: the ANN index of serving:)
  --exclude-seen        leave out the user's training positives, as serving does
  --format table|csv|jsonl   output (default table)
  --last                the last checkpoint, not the best epoch's (the default when the run kept one, as for eval and export)
  --runs-dir DIR        where runs are (default ${DEFAULT_RUNS_DIR})
  --backend tensorflow|wasm|cpu
`;

export const RECOMMEND_FORMATS = ['table', 'csv', 'jsonl'] as const;

export interface RecommendArgs {
  runId: string;
  runsDir: string;
  backend?: BackendName;
  user?: string;
  usersFile?: string;
  /** List the run's users instead of recommending (the editor's user pick). */
  listUsers: boolean;
  k: number;
  exact: boolean;
  excludeSeen: boolean;
  format: (typeof RECOMMEND_FORMATS)[number];
  /** The last checkpoint instead of the best epoch's (core/train/runModel.ts). */
  last: boolean;
}

export function parseRecommendArgs(argv: string[]): RecommendArgs {
  const { values: v, flags, positionals } = parseCommandArgs(argv, ['user', 'users', 'k', 'format', 'runs-dir', 'backend'], ['exact', 'exclude-seen', 'last', 'list-users'], { k: 'k' });
  if (positionals.length !== 1) throw new UsageError(`recommend takes one run id (two-tower-lab recommend <run-id> --user ID), got ${positionals.length} positional arguments.`);
  const listUsers = flags['list-users'];
  if ([v.user !== undefined, v.users !== undefined, listUsers].filter(Boolean).length !== 1) throw new UsageError('recommend needs exactly one of --user ID, --users FILE or --list-users.');
  const k = v.k === undefined ? DEFAULT_RECOMMEND_K : Number(v.k);
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`-k takes a whole number ≥ 1, got '${v.k}'.`);
  const format = v.format ?? 'table';
  if (!(RECOMMEND_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${RECOMMEND_FORMATS.join(', ')}; got '${format}'.`);
  const backend = v.backend;
  if (backend !== undefined && !['tensorflow', 'wasm', 'cpu'].includes(backend)) throw new UsageError(`--backend must be one of tensorflow, wasm, cpu; got '${backend}'.`);
  return {
    runId: positionals[0],
    runsDir: v['runs-dir'] ?? DEFAULT_RUNS_DIR,
    backend: backend as BackendName | undefined,
    user: v.user,
    usersFile: v.users,
    listUsers,
    k,
    exact: flags.exact,
    excludeSeen: flags['exclude-seen'],
    format: format as RecommendArgs['format'],
    last: flags.last,
  };
}

/** One user's recommendations, as every output format writes them. */
export interface UserRecommendations {
  user: string;
  seenCount: number;
  heldOutCount: number;
  rows: { rank: number; item: string; score: number; seen: boolean; heldOut: boolean; popularityRank: number; cells: string[] }[];
}

export async function recommendCommand(args: RecommendArgs, engine: Engine, out: ProgressSink, err: ProgressSink): Promise<number> {
  const { paths, config, dataset, model, chosen } = await restoreRun(args, engine);
  try {
    if (args.listUsers) {
      out.write(formatUserList(dataset));
      return 0;
    }
    const users = args.user !== undefined ? [userIndex(args.user, dataset.users, args.runId)] : usersOfFile(args.usersFile!, dataset.users, args.runId);
    const items = model.itemVectors();
    const dim = model.outputDim;
    let exact = args.exact;
    if (!exact && !config.serving.index) {
      err.write(`two-tower-lab recommend: run ${args.runId} has serving.index: false, so there is no ANN index; using exact search.\n`);
      exact = true;
    }
    const index = exact ? undefined : servedIndex(path.join(paths.embeddings, ITEM_INDEX_FILE), chosen.which, items, dim, scoreMetric(config), config.serving);
    const seen = groupByUser(dataset.train, dataset.users.size);
    const heldOut = groupByUser(dataset.test, dataset.users.size);
    const table = await itemTable(config, paths.config);
    const popularity = popularityRanks(dataset.itemClicks);
    const vectors = model.userVectors(Int32Array.from(users));
    const results: UserRecommendations[] = users.map((u, r) => {
      const seenSet = itemsOf(seen, u);
      const heldOutSet = itemsOf(heldOut, u);
      const user = vectors.subarray(r * dim, (r + 1) * dim);
      const excluded = args.excludeSeen ? seenSet : new Set<number>();
      const top: Recommended = index ? annTopK(user, index, args.k, excluded) : exactTopK(user, items, dim, args.k, excluded);
      return {
        user: dataset.users.ids[u],
        seenCount: seenSet.size,
        heldOutCount: heldOutSet.size,
        rows: Array.from(top.items, (item, j) => {
          const id = dataset.items.ids[item];
          return { rank: j + 1, item: id, score: top.scores[j], seen: seenSet.has(item), heldOut: heldOutSet.has(item), popularityRank: popularity[item], cells: table?.rows.get(id) ?? (table ? table.columns.map(() => '') : []) };
        }),
      };
    });
    const how = index ? `ANN index (usearch, ${scoreMetric(config)}, M ${config.serving.connectivity}, ef ${config.serving.expansion_search}, ${config.serving.quantization})` : `exact search (${scoreMetric(config)})`;
    out.write(formatRecommendations(results, table?.columns ?? [], args.format, `run ${args.runId}, ${chosen.describe}, ${how}${args.excludeSeen ? ', seen items left out' : ''}`));
    return 0;
  } finally {
    model.dispose();
  }
}

/** The run's index file when it is of the served (last) checkpoint and fits; else an index of `items` built now. */
function servedIndex(file: string, which: RunModel['which'], items: Float32Array, dim: number, metric: ReturnType<typeof scoreMetric>, serving: Parameters<typeof ItemIndex.build>[3]): ItemIndex {
  if (which === 'last' && existsSync(file)) {
    const loaded = ItemIndex.load(file, dim, metric, serving);
    if (loaded.size === items.length / dim - 1) return loaded;
  }
  return ItemIndex.build(items, dim, metric, serving);
}

function itemsOf(groups: ItemsByUser, u: number): Set<number> {
  return new Set(groups.items.subarray(groups.offsets[u], groups.offsets[u + 1]));
}

async function itemTable(config: Parameters<typeof itemTableOf>[0], configFile: string): Promise<ItemTable | undefined> {
  const ref = await itemTableOf(config, configFile);
  return ref && readItemTable(await ref.open(), ref.key);
}

/** One JSON line per user of the run (vocabulary order): its training positives and held-out positives. */
function formatUserList(dataset: Pick<Dataset, 'users' | 'train' | 'test'>): string {
  const seen = groupByUser(dataset.train, dataset.users.size);
  const heldOut = groupByUser(dataset.test, dataset.users.size);
  const lines: string[] = [];
  for (let u = 1; u < dataset.users.size; u++) {
    lines.push(`${JSON.stringify({ user: dataset.users.ids[u], trainPositives: seen.offsets[u + 1] - seen.offsets[u], heldOut: heldOut.offsets[u + 1] - heldOut.offsets[u] })}\n`);
  }
  return lines.join('');
}

/** A user not in the run: the CLI says so and exits 2. */
export class UnknownUser extends UsageError {}

function userIndex(id: string, users: { lookup(id: string): number; ids: readonly string[]; size: number }, runId: string): number {
  const u = users.lookup(id);
  if (u > 0) return u;
  const examples = users.ids.slice(1, 6).map((x) => `'${x}'`).join(', ');
  throw new UnknownUser(`'${id}' is not a user of run ${runId} (its ${users.size - 1} users are e.g. ${examples}). recommend serves the users the run trained on; embed a new user with: two-tower-lab export ${runId}, then two-tower-lab embed <bundle> --users FILE.`);
}

function usersOfFile(file: string, users: Parameters<typeof userIndex>[1], runId: string): number[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--users ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}.`);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const out: number[] = [];
  const unknown: string[] = [];
  lines.forEach((id, i) => {
    if (id === '') return;
    const u = users.lookup(id);
    if (u > 0) out.push(u);
    else if (!(i === 0 && out.length === 0)) unknown.push(`line ${i + 1}: '${id}'`);
  });
  if (unknown.length > 0) throw new UnknownUser(`${file}: ${unknown.length} id(s) are not users of run ${runId} (${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}). Fix or remove them.`);
  if (out.length === 0) throw new UsageError(`${file} holds no user id of run ${runId}.`);
  return out;
}

/** The recommendations as a table for people, CSV, or JSON lines. */
export function formatRecommendations(results: UserRecommendations[], columns: string[], format: RecommendArgs['format'], title: string): string {
  const marks = (r: UserRecommendations['rows'][number]): string => [r.seen ? 'seen' : '', r.heldOut ? 'held-out' : ''].filter((m) => m !== '').join(',');
  if (format === 'jsonl') {
    return results
      .flatMap((u) => u.rows.map((r) => JSON.stringify({ user: u.user, rank: r.rank, item: r.item, score: r.score, seen: r.seen, heldOut: r.heldOut, popularityRank: r.popularityRank, ...Object.fromEntries(columns.map((c, i) => [c, r.cells[i]])) })))
      .map((l) => `${l}\n`)
      .join('');
  }
  if (format === 'csv') {
    const lines = [['user', 'rank', 'item', 'score', 'seen', 'held_out', 'popularity_rank', ...columns].map(csvCell).join(',')];
    for (const u of results) for (const r of u.rows) lines.push([u.user, String(r.rank), r.item, r.score.toFixed(6), r.seen ? '1' : '0', r.heldOut ? '1' : '0', String(r.popularityRank), ...r.cells].map(csvCell).join(','));
    return `${lines.join('\n')}\n`;
  }
  const blocks = results.map((u) => {
    const header = ['rank', 'item', 'score', 'mark', 'popularity', ...columns];
    const rows = u.rows.map((r) => [String(r.rank), r.item, r.score.toFixed(4), marks(r), String(r.popularityRank), ...r.cells.map((c) => (c.length > 48 ? `${c.slice(0, 47)}…` : c))]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const right = new Set([0, 2, 4]);
    const line = (cells: string[]): string => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
    const hits = u.rows.filter((r) => r.heldOut).length;
    return [
      `user ${u.user}: ${u.seenCount} training positives, ${u.heldOutCount} held out (${hits} of them in this top ${u.rows.length})`,
      line(header),
      widths.map((w) => '─'.repeat(w)).join('  '),
      ...rows.map(line),
    ].join('\n');
  });
  return `${title}\n\n${blocks.join('\n\n')}\n`;
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
