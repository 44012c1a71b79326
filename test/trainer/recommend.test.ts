/**
 * `two-tower-lab recommend` in real trainer processes: on generated data (marks checked against the
 * split derived by hand from the interactions file, scores against the vectors the run wrote) and on
 * MovieLens latest-small (titles joined from movies.csv), and its errors.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, runTrainer, workspace } from './trainerProcess';
import { DIM, readVectors, runDir, trainedServingRun } from './servingFixture';

afterAll(cleanup);

interface Row {
  user: string;
  rank: number;
  item: string;
  score: number;
  seen: boolean;
  heldOut: boolean;
  [column: string]: unknown;
}
const jsonl = (text: string): Row[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Row);

describe('recommend on generated data', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await trainedServingRun();
    expect((await runTrainer(['export', 'r1', '--out', 'bundle'], cwd)).code).toBe(0);
  }, 60_000);

  /** Training clicks per item by hand: every user's clicked items by time, the last held out when the user has more than one (leave_last_n, n = 1). */
  function trainingClicks(): Map<string, number> {
    const rows = readFileSync(path.join(cwd, 'gen', 'interactions.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const byUser = new Map<string, string[][]>();
    for (const r of rows.filter((x) => x[4] === '1')) byUser.set(r[0], [...(byUser.get(r[0]) ?? []), r]);
    const clicks = new Map<string, number>();
    for (const list of byUser.values()) {
      const sorted = list.sort((a, b) => Number(a[2]) - Number(b[2]));
      for (const r of sorted.length > 1 ? sorted.slice(0, -1) : sorted) clicks.set(r[1], (clicks.get(r[1]) ?? 0) + 1);
    }
    return clicks;
  }

  /** The split by hand: the user's clicked items by time; leave_last_n n = 1 holds the last one out. */
  function splitOf(user: string): { seen: Set<string>; heldOut: string } {
    const rows = readFileSync(path.join(cwd, 'gen', 'interactions.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const clicked = rows.filter((r) => r[0] === user && r[4] === '1').sort((a, b) => Number(a[2]) - Number(b[2]));
    return { seen: new Set(clicked.slice(0, -1).map((r) => r[1])), heldOut: clicked.at(-1)![1] };
  }

  it('ranks every item by the exact score and marks the user\'s training and held-out positives', async () => {
    const r = await runTrainer(['recommend', 'r1', '--user', 'u7', '-k', '80', '--exact', '--format', 'jsonl'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const rows = jsonl(r.stdout);
    expect(rows).toHaveLength(80);
    const { seen, heldOut } = splitOf('u7');
    expect(new Set(rows.filter((x) => x.seen).map((x) => x.item))).toEqual(seen);
    expect(rows.filter((x) => x.heldOut).map((x) => x.item)).toEqual([heldOut]);
    // Scores: u7's vector (the bundle's users.bin) · each item vector (the run's items.bin), best first.
    const users = readVectors(path.join(cwd, 'bundle', 'users.bin'));
    const items = readVectors(path.join(runDir(cwd), 'embeddings', 'items.bin'));
    const u = users.ids.indexOf('u7');
    const dot = (id: string): number => {
      const i = items.ids.indexOf(id);
      let s = 0;
      for (let d = 0; d < DIM; d++) s += users.vectors[u * DIM + d] * items.vectors[i * DIM + d];
      return s;
    };
    for (const row of rows) expect(row.score).toBeCloseTo(dot(row.item), 5);
    for (let j = 1; j < rows.length; j++) expect(rows[j].score).toBeLessThanOrEqual(rows[j - 1].score);
    // Popularity rank: 1 + the number of items with more training clicks (ties share a rank).
    const clicks = trainingClicks();
    const counts = [...clicks.values()];
    for (const row of rows) expect(row.popularityRank, row.item).toBe(1 + counts.filter((c) => c > (clicks.get(row.item) ?? 0)).length);
    expect(new Set(rows.map((x) => x.popularityRank)).size).toBeGreaterThan(5);
    // The item table is joined: category, price, age_days of gen/items.csv.
    const itemRow = readFileSync(path.join(cwd, 'gen', 'items.csv'), 'utf8').split('\n').find((l) => l.startsWith(`${rows[0].item},`))!.split(',');
    expect([rows[0].category, rows[0].price, rows[0].age_days]).toEqual(itemRow.slice(1));
  }, 60_000);

  it('the ANN index returns the exact top 10 on this small catalogue; --exclude-seen leaves the seen items out', async () => {
    const ann = jsonl((await runTrainer(['recommend', 'r1', '--user', 'u7', '-k', '10', '--format', 'jsonl'], cwd)).stdout);
    const exact = jsonl((await runTrainer(['recommend', 'r1', '--user', 'u7', '-k', '10', '--exact', '--format', 'jsonl'], cwd)).stdout);
    expect(ann.map((x) => x.item)).toEqual(exact.map((x) => x.item));
    ann.forEach((x, j) => expect(x.score).toBeCloseTo(exact[j].score, 5));
    const unseen = jsonl((await runTrainer(['recommend', 'r1', '--user', 'u7', '-k', '10', '--exclude-seen', '--format', 'jsonl'], cwd)).stdout);
    expect(unseen).toHaveLength(10);
    expect(unseen.some((x) => x.seen)).toBe(false);
    const all = jsonl((await runTrainer(['recommend', 'r1', '--user', 'u7', '-k', '80', '--exact', '--format', 'jsonl'], cwd)).stdout);
    expect(unseen.map((x) => x.item)).toEqual(all.filter((x) => !x.seen).slice(0, 10).map((x) => x.item));
  }, 60_000);

  it('--list-users lists every user with its training and held-out positives, as derived by hand', async () => {
    const r = await runTrainer(['recommend', 'r1', '--list-users'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const users = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { user: string; trainPositives: number; heldOut: number });
    const ids = JSON.parse(readFileSync(path.join(cwd, 'bundle', 'users.ids.json'), 'utf8')) as string[];
    expect(users.map((u) => u.user)).toEqual(ids.slice(1));
    const u7 = users.find((u) => u.user === 'u7')!;
    const clicked = readFileSync(path.join(cwd, 'gen', 'interactions.csv'), 'utf8').split('\n').filter((l) => l.startsWith('u7,') && l.split(',')[4] === '1');
    expect(u7).toEqual({ user: 'u7', trainPositives: clicked.length - 1, heldOut: 1 });
  }, 60_000);

  it('prints a table for people, CSV for many users, and refuses unknown users (exit 2)', async () => {
    const table = await runTrainer(['recommend', 'r1', '--user', 'u7', '-k', '3'], cwd);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^run r1, last checkpoint, epoch 1, ANN index \(usearch, cosine, M 16, ef 64, f32\)/);
    expect(table.stdout).toMatch(/user u7: \d+ training positives, 1 held out/);
    expect(table.stdout).toMatch(/rank\s+item\s+score\s+mark\s+popularity\s+category\s+price\s+age_days/);
    writeFileSync(path.join(cwd, 'users.txt'), 'user_id\nu7\nu8\n');
    const csv = await runTrainer(['recommend', 'r1', '--users', 'users.txt', '-k', '2', '--format', 'csv'], cwd);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('user,rank,item,score,seen,held_out,popularity_rank,category,price,age_days');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['u7,1', 'u7,2', 'u8,1', 'u8,2']);
    // The same popularity rank in every format: CSV and the table's column beside JSON lines.
    const asJson = jsonl((await runTrainer(['recommend', 'r1', '--user', 'u7', '-k', '3', '--format', 'jsonl'], cwd)).stdout);
    expect(lines.slice(1, 3).map((l) => Number(l.split(',')[6]))).toEqual(asJson.slice(0, 2).map((x) => x.popularityRank));
    const tableRows = table.stdout.trim().split('\n').slice(-3).map((l) => l.trim().split(/\s+/));
    expect(tableRows.map((c) => [c[1], Number(c[c.length - 4])])).toEqual(asJson.map((x) => [x.item, x.popularityRank]));

    const unknown = await runTrainer(['recommend', 'r1', '--user', 'nobody'], cwd);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/'nobody' is not a user of run r1 .*embed a new user/);
    writeFileSync(path.join(cwd, 'bad-users.txt'), 'u7\nghost\n');
    const badFile = await runTrainer(['recommend', 'r1', '--users', 'bad-users.txt'], cwd);
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toMatch(/bad-users\.txt: 1 id\(s\) are not users of run r1 \(line 2: 'ghost'\)/);
    const both = await runTrainer(['recommend', 'r1', '--user', 'u7', '--list-users'], cwd);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exactly one of --user ID, --users FILE or --list-users/);
    const badK = await runTrainer(['recommend', 'r1', '--user', 'u7', '-k', '0'], cwd);
    expect(badK.code).toBe(2);
    expect(badK.stderr).toMatch(/-k takes a whole number ≥ 1/);
  }, 60_000);
});

const MOVIELENS = '/work/shared/data/ml-latest-small';
describe.skipIf(!existsSync(path.join(MOVIELENS, 'ratings.csv')))('recommend on MovieLens latest-small (skipped without the data)', () => {
  it('shows titles and genres from movies.csv', async () => {
    const example = readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'movielens.tower.yaml'), 'utf8');
    const cwd = workspace({ 'ml.tower.yaml': example.replaceAll('../../shared/data/ml-latest-small', MOVIELENS).replace('epochs: 10', 'epochs: 1') });
    const train = await runTrainer(['train', 'ml.tower.yaml', '--run-id', 'm1', '--events-stdout', 'off', '--quiet'], cwd);
    expect(train.code, train.stderr).toBe(0);
    const r = await runTrainer(['recommend', 'm1', '--user', '1', '-k', '10', '--format', 'jsonl'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const rows = jsonl(r.stdout);
    expect(rows).toHaveLength(10);
    const movies = new Map(
      readFileSync(path.join(MOVIELENS, 'movies.csv'), 'utf8')
        .split('\n')
        .slice(1)
        .map((l) => [l.split(',')[0], l] as const),
    );
    for (const row of rows) {
      expect(typeof row.title).toBe('string');
      expect(movies.get(row.item)).toContain((row.title as string).replace(/"/g, '""').slice(0, 10));
      expect(movies.get(row.item)).toContain(row.genres as string);
    }
    const table = await runTrainer(['recommend', 'm1', '--user', '1', '-k', '5', '--exclude-seen'], cwd);
    expect(table.stdout).toMatch(/rank\s+item\s+score\s+mark\s+popularity\s+title\s+genres\s+year/);
    expect(table.stdout).not.toMatch(/\bseen\b.*\(\d{4}\)/);
  }, 120_000);
});
