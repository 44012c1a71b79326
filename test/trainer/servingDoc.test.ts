/**
 * docs/serving.md's complete example, run as written: its experiment (the yaml block) and its commands
 * (the sh block, `two-tower-lab` = the built trainer), then its claims checked: the example server's top 5
 * are the items and scores of `recommend --exact`, and the tfjs example's user vectors are embed's.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEmbedded, type EmbeddedLine } from './servingFixture';
import { cleanup, REPO, runTrainer, TRAINER, workspace } from './trainerProcess';

afterAll(cleanup);

function block(doc: string, lang: string): string {
  const example = doc.slice(doc.indexOf('## A complete small example'));
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(example);
  if (!m) throw new Error(`docs/serving.md has no ${lang} block in its example`);
  return m[1];
}

describe('docs/serving.md example', () => {
  it('runs as written, and the example server agrees with recommend --exact', async () => {
    const doc = readFileSync(path.join(REPO, 'docs', 'serving.md'), 'utf8');
    const yaml = block(doc, 'yaml');
    const cwd = workspace({ [yaml.split('\n')[0].replace(/^#\s*/, '')]: yaml });
    const commands = block(doc, 'sh').trim().split('\n');
    const stdoutOf = new Map<string, string>();
    for (const command of commands) {
      const [program, ...args] = command.split(/\s+/);
      const argv = program === 'two-tower-lab' ? [TRAINER, ...args] : [path.join(REPO, args[0]), ...args.slice(1)];
      const r = spawnSync(process.execPath, argv, { cwd, encoding: 'utf8' });
      expect(r.status, `${command}\n${r.stderr}`).toBe(0);
      if (program === 'node') stdoutOf.set(path.basename(args[0]), r.stdout);
    }
    const served = stdoutOf.get('serve.mjs');
    expect(served, 'the sh block runs examples/serving/serve.mjs').toBeDefined();
    const lines = served!.trim().split('\n');
    expect(lines).toHaveLength(300);
    for (const line of lines.filter((l) => /^u(0|1|42)\t/.test(l))) {
      const [user, top] = line.split('\t');
      const pairs = top.split(' ').map((p) => p.split(':'));
      const rec = await runTrainer(['recommend', 'shop-1', '--user', user, '-k', '5', '--exact', '--format', 'jsonl'], cwd);
      const exact = rec.stdout.trim().split('\n').map((l) => JSON.parse(l) as { item: string; score: number });
      expect(pairs.map((p) => p[0])).toEqual(exact.map((e) => e.item));
      pairs.forEach((p, j) => expect(Number(p[1])).toBeCloseTo(exact[j].score, 3));
    }

    // The tfjs user tower, run by the example on data/users.csv, gives embed's vectors for every user.
    const tfjsLines = stdoutOf.get('tfjs-tower.mjs');
    expect(tfjsLines, 'the sh block runs examples/serving/tfjs-tower.mjs').toBeDefined();
    const embedded = new Map(readEmbedded(path.join(cwd, 'users.jsonl')).map((l) => [l.id, l]));
    const fromTfjs = tfjsLines!.trim().split('\n').map((l) => JSON.parse(l) as EmbeddedLine);
    expect(fromTfjs).toHaveLength(embedded.size);
    for (const user of fromTfjs) {
      const want = embedded.get(user.id)!;
      expect(user.known).toBe(want.known);
      user.vector.forEach((v, d) => expect(Math.abs(v - want.vector[d])).toBeLessThan(1e-5));
    }
  }, 120_000);
});
