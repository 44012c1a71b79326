/**
 * Garbage in, answers out: the real server process stays up and keeps answering on malformed YAML, a
 * 5,000-line file, random bytes, absurd nesting, a 1 GB data file and data files it cannot read.
 * No timing is asserted; each case waits for the diagnostics event and then for an answer to a request.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentSymbol, Hover } from 'vscode-languageserver/node';

import { fixtureUri, LspTestClient } from './lspClient';

let client: LspTestClient;
let scratch: string;
let counter = 0;
const newUri = (): string => fixtureUri(`bad-${++counter}.tower.yaml`);

beforeAll(async () => {
  client = await LspTestClient.start();
  scratch = mkdtempSync(path.join(tmpdir(), 'tt-lsp-bad-'));
});
afterAll(async () => {
  await client?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** The server is alive and answers a request on `uri`. */
async function stillAnswers(uri: string): Promise<void> {
  const symbols = await client.connection.sendRequest<DocumentSymbol[] | null>('textDocument/documentSymbol', { textDocument: { uri } });
  expect(Array.isArray(symbols)).toBe(true);
  await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 1 } });
  await client.connection.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: 0, character: 0 } });
  expect(client.process.exitCode).toBeNull();
}

/** A small seeded generator (mulberry32), so that the random-bytes case is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A valid experiment but for its data file; a random split, because the tables here have no timestamp. */
const MINIMAL = (dataPath: string): string =>
  `data:\n  split:\n    method: random\n  interactions:\n    path: ${JSON.stringify(dataPath)}\nuser_tower: {}\nitem_tower: {}\nscore: {}\ntraining: {}\nevaluation:\n  k: [1]\n`;

describe('bad input', () => {
  it('malformed YAML: diagnostics, then answers', async () => {
    const uri = newUri();
    const diagnostics = await client.open(uri, 'data: [unclosed\n  : : :\n\t- x\n"\ntraining:\n  loss: {a: [}\n&a *b: c\n');
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics.every((d) => d.code === 'yaml-syntax' || d.code === 'yaml-warning')).toBe(true);
    await stillAnswers(uri);
  });

  it('a 5,000-line file: diagnostics, outline and completion', async () => {
    const uri = newUri();
    const items = Array.from({ length: 4990 }, (_, i) => `    - ${i + 1}`).join('\n');
    const text = `${MINIMAL('data/interactions.csv').replace('  k: [1]\n', '  k:\n')}${items}\n  bogus: 1\n`;
    expect(text.split('\n').length).toBeGreaterThanOrEqual(5000);
    const diagnostics = await client.open(uri, text);
    expect(diagnostics.map((d) => d.code)).toContain('schema-unknown-key');
    await stillAnswers(uri);
    const lines = text.split('\n');
    const completion = await client.connection.sendRequest<{ label: string }[]>('textDocument/completion', { textDocument: { uri }, position: { line: lines.length - 2, character: 2 } });
    expect(completion.map((c) => c.label)).toContain('metrics');
  });

  it('random bytes: diagnostics for every sample, then answers', async () => {
    const random = seeded(7);
    for (let sample = 0; sample < 12; sample++) {
      const uri = newUri();
      const bytes = Buffer.from(Array.from({ length: 2000 }, () => Math.floor(random() * 256)));
      await client.open(uri, bytes.toString('latin1'));
      await stillAnswers(uri);
      await client.close(uri);
    }
  });

  it('absurd nesting: diagnostics, then answers', async () => {
    const uri = newUri();
    await client.open(uri, `${'['.repeat(3000)}\n${'a:\n '.repeat(1)}${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')}\n`);
    await stillAnswers(uri);
  });

  it('a 1 GB data file: only its start is read', async () => {
    const file = path.join(scratch, 'huge.csv');
    const fd = openSync(file, 'w');
    writeSync(fd, 'user_id,item_id,clicked\nu1,i1,1\n');
    // A sparse file: 1 GiB long without using the disk, so reading it whole would show.
    ftruncateSync(fd, 1024 ** 3);
    closeSync(fd);
    const uri = pathToFileURL(path.join(scratch, 'huge.tower.yaml')).href;
    const text = MINIMAL('huge.csv').replace('path: "huge.csv"', 'path: "huge.csv"\n    columns:\n      user: user_id\n      item: itm');
    const diagnostics = await client.open(uri, text);
    expect(diagnostics.map((d) => d.code)).toEqual(['unknown-column']);
    // Line 7 is `      item: itm`: complete the value after `item: `.
    const completion = await client.connection.sendRequest<{ label: string }[]>('textDocument/completion', { textDocument: { uri }, position: { line: 7, character: 12 } });
    expect(completion.map((c) => c.label)).toEqual(['user_id', 'item_id', 'clicked']);
    await stillAnswers(uri);
  });

  it('a data file that cannot be read (a folder) has its own diagnostic', async () => {
    mkdirSync(path.join(scratch, 'folder.csv'));
    const uri = pathToFileURL(path.join(scratch, 'folder.tower.yaml')).href;
    const diagnostics = await client.open(uri, MINIMAL('folder.csv'));
    expect(diagnostics.map((d) => d.code)).toEqual(['data-file-unreadable']);
    await stillAnswers(uri);
  });

  it('a data file that would block a reader (a FIFO with no writer) does not hang the server', async () => {
    execFileSync('mkfifo', [path.join(scratch, 'pipe.csv')]);
    const uri = pathToFileURL(path.join(scratch, 'pipe.tower.yaml')).href;
    const diagnostics = await client.open(uri, MINIMAL('pipe.csv'));
    expect(diagnostics.map((d) => d.code)).toEqual(['data-file-unreadable']);
    await stillAnswers(uri);
  });

  it('re-checks open experiments when a watched data file changes', async () => {
    const csv = path.join(scratch, 'grows.csv');
    writeFileSync(csv, 'user_id,item_id\nu1,i1\n');
    const uri = pathToFileURL(path.join(scratch, 'grows.tower.yaml')).href;
    const text = MINIMAL('grows.csv').replace('path: "grows.csv"', 'path: "grows.csv"\n    columns:\n      user: user_id\n      item: item_id\n      clicked: clicked');
    expect((await client.open(uri, text)).map((d) => d.code)).toEqual(['unknown-column']);
    // The header gains the column (a different size, so the probe's cache sees a new file).
    writeFileSync(csv, 'user_id,item_id,clicked\nu1,i1,1\n');
    const cleared = client.nextDiagnostics(uri, (p) => p.diagnostics.length === 0);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(csv).href, type: 2 }] });
    expect((await cleared).diagnostics).toEqual([]);
  });

  it('is still the same live process after all of it', async () => {
    expect(client.process.exitCode).toBeNull();
    expect(client.stderr.join('')).not.toMatch(/checking .* failed/);
  });
});
