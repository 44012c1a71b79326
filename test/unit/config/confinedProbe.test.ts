/**
 * The language server's probe in an untrusted workspace: a data file outside the workspace folders is
 * never handed to the real probe (not read, not even stat'ed), whichever way the path gets out: `..`, an
 * absolute path, a symlink inside the workspace, a sibling folder whose name starts like the workspace's.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkExperimentText } from '../../../src/core/config/check';
import { confinedProbe, createFileDataProbe, DataFileError, isInsideFolders, type DataProbe, type ReadPolicy } from '../../../src/core/config/dataProbe';

let root: string;
let ws: string;
let outside: string;
beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'confined-')));
  ws = path.join(root, 'ws');
  outside = path.join(root, 'outside');
  await fs.mkdir(path.join(ws, 'data'), { recursive: true });
  await fs.mkdir(outside);
  await fs.mkdir(path.join(root, 'ws-evil'));
  await fs.writeFile(path.join(ws, 'data', 'inside.csv'), 'user_id,item_id\nu1,i1\n');
  await fs.writeFile(path.join(outside, 'outside.csv'), 'user_id,item_id,secret_col\nu1,i1,x\n');
  await fs.writeFile(path.join(root, 'ws-evil', 'x.csv'), 'user_id,item_id\n');
  await fs.symlink(path.join(outside, 'outside.csv'), path.join(ws, 'data', 'link.csv'));
  await fs.symlink(outside, path.join(ws, 'linked-folder'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A probe that records every path it is asked about. */
function recordingProbe(): DataProbe & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    columns: (p) => (asked.push(p), Promise.resolve(['user_id', 'item_id'])),
    itemCount: (p) => (asked.push(p), Promise.resolve(3)),
    numberRange: (p) => (asked.push(p), Promise.resolve({ min: 1, max: 2 })),
  };
}

describe('confinedProbe', () => {
  const untrusted = (): ReadPolicy => ({ trusted: false, folders: [ws] });

  it('untrusted: only paths inside the workspace folders reach the real probe', async () => {
    const inner = recordingProbe();
    const probe = confinedProbe(inner, untrusted);
    const inside = path.join(ws, 'data', 'inside.csv');
    const outsidePaths = [
      path.join(outside, 'outside.csv'),
      path.join(ws, '..', 'outside', 'outside.csv'),
      path.join(ws, 'data', 'link.csv'),
      path.join(ws, 'linked-folder', 'outside.csv'),
      path.join(ws, 'linked-folder', 'not-there.csv'),
      path.join(root, 'ws-evil', 'x.csv'),
      '/etc/passwd',
      path.join(outside, 'missing.csv'),
    ];
    expect(await probe.columns(inside)).toEqual(['user_id', 'item_id']);
    for (const p of outsidePaths) {
      for (const result of [await probe.columns(p), await probe.itemCount!(p, 'item_id'), await probe.numberRange!(p, 'rank')]) {
        expect(result, p).toBeInstanceOf(DataFileError);
        expect((result as DataFileError).kind).toBe('not-read');
      }
    }
    expect(inner.asked).toEqual([inside]);
  });

  it('trusted: every path reaches the real probe; the policy is asked at each call', async () => {
    const inner = recordingProbe();
    let policy: ReadPolicy = untrusted();
    const probe = confinedProbe(inner, () => policy);
    expect(await probe.columns('/etc/passwd')).toBeInstanceOf(DataFileError);
    policy = { trusted: true, folders: [] };
    expect(await probe.columns('/etc/passwd')).toEqual(['user_id', 'item_id']);
    expect(inner.asked).toEqual(['/etc/passwd']);
  });

  it('no workspace folder (a lone file) and untrusted: nothing is read', async () => {
    const inner = recordingProbe();
    expect(await confinedProbe(inner, () => ({ trusted: false, folders: [] })).columns(path.join(ws, 'data', 'inside.csv'))).toBeInstanceOf(DataFileError);
    expect(inner.asked).toEqual([]);
  });

  it('guards every method of the file probe', () => {
    const file = createFileDataProbe();
    const confined = confinedProbe(file, untrusted) as unknown as Record<string, unknown>;
    const methods = Object.keys(file).filter((k) => k !== 'clear');
    for (const name of methods) expect(typeof confined[name], name).toBe('function');
  });

  it('isInsideFolders resolves symlinks of the folder too', async () => {
    const alias = path.join(root, 'ws-alias');
    await fs.symlink(ws, alias);
    expect(await isInsideFolders(path.join(ws, 'data', 'inside.csv'), [alias])).toBe(true);
    expect(await isInsideFolders(path.join(outside, 'outside.csv'), [alias])).toBe(false);
  });

  it('the validator says the file is not checked, and neither lists the folder nor says whether the file exists', async () => {
    const inner = recordingProbe();
    const text = (p: string) => `data:\n  interactions:\n    path: ${JSON.stringify(p)}\n    columns: { user: user_id, item: nope }\n  split: { method: random }\nuser_tower: {}\nitem_tower: {}\nevaluation: { k: [1] }\n`;
    for (const p of ['../outside/outside.csv', '../outside/outsid.csv', 'data/link.csv']) {
      const { diagnostics } = await checkExperimentText(text(p), { filePath: path.join(ws, 'exp.tower.yaml'), probe: confinedProbe(inner, untrusted) });
      expect(diagnostics.map((d) => d.code), p).toEqual(['data-file-not-read']);
      expect(diagnostics[0].severity).toBe('info');
      expect(diagnostics[0].message).toContain('Trust the workspace');
      expect(JSON.stringify(diagnostics)).not.toContain('outside.csv`?');
    }
    expect(inner.asked).toEqual([]);
  });
});
