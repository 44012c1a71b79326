/**
 * The real server in an untrusted workspace (initializationOptions.workspaceTrusted: false): data files
 * outside the workspace folders are not read (an info diagnostic says so, and nothing of the file shows:
 * not its columns, not whether it exists), files inside are checked as always; adding the folder, or the
 * client's `twoTower/workspaceTrust` notification, re-checks with the file read.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver/node';

import { WORKSPACE_TRUST_NOTIFICATION } from '../../src/shared/languageProtocol';
import { LspTestClient } from './lspClient';

let client: LspTestClient;
let root: string;
let ws: string;
let outside: string;

const experiment = (dataPath: string): string =>
  `data:\n  interactions:\n    path: ${JSON.stringify(dataPath)}\n    columns: { user: user_id, item: nope }\n  positive: { rule: all }\n  split: { method: random }\nuser_tower: {}\nitem_tower: {}\nevaluation: { k: [1] }\n`;
const codes = (ds: Diagnostic[]) => ds.map((d) => d.code);
const withCode = (code: string) => (p: PublishDiagnosticsParams) => p.diagnostics.some((d) => d.code === code);

beforeAll(async () => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'tt-lsp-untrusted-')));
  ws = path.join(root, 'ws');
  outside = path.join(root, 'outside');
  mkdirSync(ws);
  mkdirSync(outside);
  writeFileSync(path.join(ws, 'inside.csv'), 'user_id,item_id\nu1,i1\n');
  writeFileSync(path.join(outside, 'outside.csv'), 'user_id,item_id,secret_col\nu1,i1,x\n');
  symlinkSync(path.join(outside, 'outside.csv'), path.join(ws, 'link.csv'));
  const wsUri = pathToFileURL(ws).href;
  client = await LspTestClient.start({
    rootUri: wsUri,
    workspaceFolders: [{ uri: wsUri, name: 'ws' }],
    capabilities: { workspace: { workspaceFolders: true } },
    initializationOptions: { workspaceTrusted: false },
  });
});
afterAll(async () => {
  await client?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('untrusted workspace', () => {
  const uri = (name: string) => pathToFileURL(path.join(ws, name)).href;

  it('a file outside the folders, by `..`, by absolute path or through a symlink: not read, and said so', async () => {
    for (const [name, dataPath] of [
      ['rel.tower.yaml', '../outside/outside.csv'],
      ['abs.tower.yaml', path.join(outside, 'outside.csv')],
      ['link.tower.yaml', 'link.csv'],
      ['missing.tower.yaml', '../outside/not-there.csv'],
      ['passwd.tower.yaml', '/etc/passwd'],
    ] as const) {
      const diagnostics = await client.open(uri(name), experiment(dataPath));
      expect(codes(diagnostics), dataPath).toEqual(['data-file-not-read']);
      expect(diagnostics[0].severity).toBe(3); // Information
      expect(diagnostics[0].message).toContain('the workspace is not trusted');
      expect(JSON.stringify(diagnostics)).not.toMatch(/secret_col|does not exist|root/);
    }
  });

  it('a file inside the workspace is checked as always', async () => {
    const diagnostics = await client.open(uri('inside.tower.yaml'), experiment('inside.csv'));
    expect(codes(diagnostics)).toEqual(['unknown-column']);
    expect(diagnostics[0].message).toContain('Its columns are: user_id, item_id');
  });

  it('adding the outside folder to the workspace: the file is read at the next check', async () => {
    const republished = client.nextDiagnostics(uri('rel.tower.yaml'), withCode('unknown-column'));
    await client.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: pathToFileURL(outside).href, name: 'outside' }], removed: [] } });
    const { diagnostics } = await republished;
    expect(codes(diagnostics)).toEqual(['unknown-column']);
    expect(diagnostics[0].message).toContain('secret_col');
  });

  it('the client trusts the workspace: every file is read', async () => {
    const republished = client.nextDiagnostics(uri('missing.tower.yaml'), withCode('data-file-missing'));
    const passwd = client.nextDiagnostics(uri('passwd.tower.yaml'), withCode('data-file-unreadable'));
    await client.connection.sendNotification(WORKSPACE_TRUST_NOTIFICATION, { trusted: true });
    expect(codes((await republished).diagnostics)).toEqual(['data-file-missing']);
    // Read now, and refused as not a table, still without its content.
    const { diagnostics } = await passwd;
    expect(diagnostics[0].message).toContain('does not look like a table');
    expect(diagnostics[0].message).not.toMatch(/root|bash/);
    expect(client.process.exitCode).toBeNull();
  });
});
