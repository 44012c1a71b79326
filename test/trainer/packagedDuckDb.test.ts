/**
 * DuckDB in the built extension: the trainer bundle loads it from dist/node_modules (what the .vsix
 * ships, since it holds no node_modules of its own), even when the bundle is copied away from the repo;
 * the language server's and the extension host's bundles do not contain it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

import { REPO } from './trainerProcess';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('DuckDB in the built bundles', () => {
  it('only the trainer refers to it, as an external module', () => {
    for (const bundle of ['server.js', 'extension.js']) expect(readFileSync(path.join(REPO, 'dist', bundle), 'utf8')).not.toContain('@duckdb/');
    expect(readFileSync(path.join(REPO, 'dist', 'trainer.js'), 'utf8')).toMatch(/require\("@duckdb\/node-api"\)|import\("@duckdb\/node-api"\)/);
  });

  it('a copy of dist/ outside the repo (as the installed .vsix) reads a .csv.gz through DuckDB', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ttl-packaged-'));
    made.push(root);
    // dist/ as the .vsix ships it: the bundles with DuckDB's packages, usearch's bundle and binaries, the wasm files.
    cpSync(path.join(REPO, 'dist'), path.join(root, 'extension', 'dist'), { recursive: true });
    const ws = path.join(root, 'ws');
    cpSync(path.join(REPO, 'test', 'fixtures', 'data', 'tiny', 'interactions.csv'), path.join(ws, 'plain.csv'));
    writeFileSync(path.join(ws, 'log.csv.gz'), gzipSync(readFileSync(path.join(ws, 'plain.csv'))));
    writeFileSync(path.join(ws, 'x.tower.yaml'), 'data:\n  interactions: { path: log.csv.gz }\n  split: { method: leave_last_n, n: 1 }\nuser_tower: {}\nitem_tower: {}\n');
    const r = spawnSync(process.execPath, [path.join(root, 'extension', 'dist', 'trainer.js'), 'data', 'x.tower.yaml'], { cwd: ws, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rows read\s+8/);
  }, 60_000);
});
