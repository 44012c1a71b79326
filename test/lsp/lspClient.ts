/**
 * A minimal LSP client for tests and the latency bench: spawns the REAL server (`node dist/server.js --stdio`)
 * and speaks JSON-RPC to it. Diagnostics are awaited as events (a promise per expected publish), never slept on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import {
  createProtocolConnection,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextEdit,
} from 'vscode-languageserver/node';

export const ROOT = path.resolve(__dirname, '../..');
export const SERVER = path.join(ROOT, 'dist/server.js');
export const FIXTURES = path.join(ROOT, 'test/fixtures/lsp');

function newestMtime(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/server.js when it is missing or older than its sources (npm test builds first anyway). Only the
 * server bundle, with esbuild.mjs's options for it, so that a half-written trainer or webview elsewhere in the
 * tree cannot stop the language-server tests.
 */
export async function ensureServerBuilt(): Promise<void> {
  const sources = Math.max(...['src/server', 'src/core/config', 'src/core/data', 'src/core/engines', 'src/core/model', 'src/shared'].map((folder) => newestMtime(path.join(ROOT, folder))));
  if (existsSync(SERVER) && statSync(SERVER).mtimeMs >= sources) return;
  // Test files run in parallel workers: each writes its own temp file and renames it, so no one starts a half-written server.
  const temp = `${SERVER}.${process.pid}.tmp`;
  await build({ absWorkingDir: ROOT, entryPoints: ['src/server/main.ts'], outfile: temp, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' });
  renameSync(temp, SERVER);
}

export function fixtureUri(name: string): string {
  return pathToFileURL(path.join(FIXTURES, name)).href;
}

interface Waiter {
  uri: string;
  accept: (p: PublishDiagnosticsParams) => boolean;
  resolve: (p: PublishDiagnosticsParams) => void;
}

export class LspTestClient {
  readonly connection: ProtocolConnection;
  private readonly waiters: Waiter[] = [];
  /** The latest diagnostics published per URI. */
  readonly published = new Map<string, PublishDiagnosticsParams>();
  readonly stderr: string[] = [];
  private readonly versions = new Map<string, number>();
  readonly texts = new Map<string, string>();
  exited: Promise<number | null>;

  private constructor(readonly process: ChildProcess) {
    this.connection = createProtocolConnection(new StreamMessageReader(process.stdout!), new StreamMessageWriter(process.stdin!));
    process.stderr!.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString('utf8')));
    this.exited = new Promise((resolve) => process.on('exit', (code) => resolve(code)));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.published.set(params.uri, params);
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const waiter = this.waiters[i];
        if (waiter.uri === params.uri && waiter.accept(params)) {
          this.waiters.splice(i, 1);
          waiter.resolve(params);
        }
      }
    });
    this.connection.listen();
  }

  /**
   * Starts the server; `init` adds to (or replaces) the initialize params, e.g. workspaceFolders or initializationOptions.
   * `beforeInitialize` registers handlers of server → client requests (e.g. `workspace/configuration`) before the server can send them.
   */
  static async start(init: Record<string, unknown> = {}, beforeInitialize?: (connection: ProtocolConnection) => void): Promise<LspTestClient> {
    await ensureServerBuilt();
    const child = spawn(process.execPath, [SERVER, '--stdio'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const client = new LspTestClient(child);
    beforeInitialize?.(client.connection);
    await client.connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(ROOT).href, capabilities: {}, ...init });
    await client.connection.sendNotification('initialized', {});
    return client;
  }

  /** Resolves on the next publish for `uri` that `accept` likes (by default: for the document's current version). */
  nextDiagnostics(uri: string, accept?: (p: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams> {
    const version = this.versions.get(uri);
    const test = accept ?? ((p: PublishDiagnosticsParams) => p.version === undefined || p.version === version);
    return new Promise((resolve) => this.waiters.push({ uri, accept: test, resolve }));
  }

  async open(uri: string, text: string): Promise<Diagnostic[]> {
    this.versions.set(uri, 1);
    this.texts.set(uri, text);
    const published = this.nextDiagnostics(uri);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'two-tower', version: 1, text } });
    return (await published).diagnostics;
  }

  /** Replaces the whole text (a full-document change) and waits for its diagnostics. */
  async change(uri: string, text: string): Promise<Diagnostic[]> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    this.texts.set(uri, text);
    const published = this.nextDiagnostics(uri);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    return (await published).diagnostics;
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  async stop(): Promise<void> {
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } finally {
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 2000);
      await this.exited;
      clearTimeout(timer);
      this.connection.dispose();
    }
  }
}

/** Applies LSP text edits to a text (edits must not overlap; applied from the end so offsets stay valid). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (line: number, character: number): number => lines.slice(0, line).reduce((sum, l) => sum + l.length + 1, 0) + character;
  const sorted = edits
    .map((e, order) => ({ start: offset(e.range.start.line, e.range.start.character), end: offset(e.range.end.line, e.range.end.character), text: e.newText, order }))
    .sort((a, b) => b.start - a.start || b.order - a.order);
  let result = text;
  for (const e of sorted) result = result.slice(0, e.start) + e.text + result.slice(e.end);
  return result;
}

/** Position of the first occurrence of `needle` on the line that contains `lineText`. */
export function positionOf(text: string, lineText: string, needle = lineText): { line: number; character: number } {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(lineText));
  if (line < 0) throw new Error(`no line contains ${JSON.stringify(lineText)}`);
  const character = lines[line].indexOf(needle);
  if (character < 0) throw new Error(`line ${line} has no ${JSON.stringify(needle)}`);
  return { line, character };
}
