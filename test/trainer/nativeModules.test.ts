/**
 * usearch is native and lives only in the trainer: the extension and language-server bundles never load
 * it, and the trainer finds it in dist/ alone — the layout of the installed .vsix, which ships no
 * node_modules (`vsce package --no-dependencies`): dist/usearch.js and dist/prebuilds/<platform>/usearch.node.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanup, REPO, tinySynthetic, workspace } from './trainerProcess';

afterAll(cleanup);

const dist = (file: string): string => path.join(REPO, 'dist', file);

describe('usearch in the bundles', () => {
  it('the extension and the language server never load it; the trainer loads it from beside itself', () => {
    assertBuilt();
    for (const bundle of ['extension.js', 'server.js']) {
      const text = readFileSync(dist(bundle), 'utf8');
      expect(text).not.toMatch(/require\("(usearch|\.\/usearch\.js)"\)/);
      expect(text).not.toContain('usearch.node');
    }
    expect(readFileSync(dist('trainer.js'), 'utf8')).toMatch(/require\("\.\/usearch\.js"\)/);
    expect(existsSync(dist(`prebuilds/${process.platform}-${process.arch}/usearch.node`))).toBe(true);
    const ignore = readFileSync(path.join(REPO, '.vscodeignore'), 'utf8');
    expect(ignore).toContain('!dist/usearch.js');
    expect(ignore).toContain('!dist/prebuilds/*/usearch.node');
  });

  it('a trainer copied without node_modules (as the .vsix installs it) builds the index', () => {
    const root = workspace({ 'tiny.tower.yaml': tinySynthetic().replace('epochs: 2', 'epochs: 1') });
    const ext = path.join(root, 'extension', 'dist');
    mkdirSync(ext, { recursive: true });
    for (const f of ['trainer.js', 'usearch.js', 'wasm', 'prebuilds']) cpSync(dist(f), path.join(ext, f), { recursive: true });
    writeFileSync(path.join(root, 'extension', 'package.json'), '{}');
    const r = spawnSync(process.execPath, [path.join(ext, 'trainer.js'), 'train', 'tiny.tower.yaml', '--run-id', 'v1', '--events-stdout', 'off', '--quiet'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(path.join(root, '.two-tower-lab', 'runs', 'v1', 'embeddings', 'items.usearch'))).toBe(true);
  }, 60_000);
});
