/**
 * The real server (stdio) on the engine rules: engine_options written for tfjs (two quick fixes), several
 * nodes, and what the machine has for torch, probed through fake interpreters (shell scripts that answer
 * the probe and count their runs): torch-not-found, cuda-not-found, one probe per interpreter, none in an
 * untrusted workspace until it is trusted, and twoTowerLab.pythonPath read with workspace/configuration.
 * Hover and completion of the engine fields come from the schema.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeAction, CompletionItem, CompletionList, Diagnostic, Hover } from 'vscode-languageserver/node';

import { applyEdits, fixtureUri, LspTestClient, positionOf } from './lspClient';

const BASE = `name: engines
data:
  synthetic:
    users: 50
    items: 200
user_tower:
  output_dim: 16
item_tower:
  output_dim: 16
training:
  mode: listwise
  loss: softmax
`;
/** Drops the index's note on every torch run (ann-eval-engine: its own test, servingRules.test.ts). */
const notIndexNote = (code: unknown): boolean => code !== 'ann-eval-engine';
const withTraining = (lines: string): string => `${BASE}${lines}`;

let dir: string;
/** A fake interpreter that answers the probe with `answer` and appends a line to `<name>.runs` each time it runs. */
function fakePython(name: string, answer: Record<string, unknown>): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\necho run >> '${file}.runs'\ncat <<'ANSWER'\n${JSON.stringify(answer)}\nANSWER\n`);
  chmodSync(file, 0o755);
  return file;
}
const runsOf = (python: string): number => (existsSync(`${python}.runs`) ? readFileSync(`${python}.runs`, 'utf8').split('\n').filter(Boolean).length : 0);

const CPU_TORCH = { pythonVersion: '3.11.2', numpy: '1.26.4', torch: '2.3.0', cuda: false, cudaDevices: [], gloo: true, nccl: false, torchrun: true };
const NO_TORCH = { pythonVersion: '3.12.1', problem: "ModuleNotFoundError: No module named 'torch'" };

let client: LspTestClient;
let counter = 0;
const newUri = (): string => fixtureUri(`engines-${++counter}.tower.yaml`);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ttl-engines-'));
  client = await LspTestClient.start();
});
afterAll(async () => {
  await client?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens `text` and resolves with the first publish that has a diagnostic with `code` (probes answer after the first check). */
async function diagnosticOf(c: LspTestClient, uri: string, text: string, code: string): Promise<Diagnostic> {
  const published = c.nextDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === code));
  await c.open(uri, text);
  const found = (await published).diagnostics.filter((d) => d.code === code);
  expect(found).toHaveLength(1);
  return found[0];
}

async function fixes(c: LspTestClient, uri: string, diagnostic: Diagnostic): Promise<CodeAction[]> {
  return c.connection.sendRequest<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } });
}

describe('engine-options-unused', () => {
  it('warns on engine_options under tfjs; the fixes remove them or switch to torch, each leaving no warning', async () => {
    const text = withTraining('  engine_options:\n    processes: 2\n');
    const uri = newUri();
    const d = (await client.open(uri, text)).find((x) => x.code === 'engine-options-unused');
    expect(d, 'no engine-options-unused diagnostic').toBeDefined();
    expect(d!.severity).toBe(2);
    expect(d!.message).toMatch(/`engine` is `tfjs` \(the default\)/);
    const actions = await fixes(client, uri, d!);
    expect(actions.map((a) => a.title)).toEqual(['Remove `engine_options` (the tfjs engine reads none of it)', 'Set `engine: torch`']);
    const removed = applyEdits(text, actions[0].edit!.changes![uri]);
    expect(removed).toBe(BASE);
    expect((await client.change(uri, removed)).map((x) => x.code).filter(notIndexNote)).toEqual([]);
    const torch = applyEdits(text, actions[1].edit!.changes![uri]);
    expect(torch).toMatch(/^ {2}engine: torch$/m);
    expect((await client.change(uri, torch)).map((x) => x.code).filter(notIndexNote)).not.toContain('engine-options-unused');
    await client.close(uri);
  });
});

describe('engine-multi-node', () => {
  it('is an information at nodes, saying train runs one node and launch starts several', async () => {
    const uri = newUri();
    const diagnostics = await client.open(uri, withTraining('  engine: torch\n  engine_options:\n    nodes: 2\n'));
    const d = diagnostics.find((x) => x.code === 'engine-multi-node');
    expect(d?.severity).toBe(3);
    expect(d?.message).toMatch(/two-tower-lab launch --emit k8s\|slurm/);
    await client.close(uri);
  });
});

describe('what the machine has for torch', () => {
  it('torch-not-found: an interpreter without torch, with the install hint, at engine_options.python; the fix uses tfjs', async () => {
    const python = fakePython('python-without-torch', NO_TORCH);
    const uri = newUri();
    const text = withTraining(`  engine: torch\n  engine_options:\n    python: ${python}\n`);
    const d = await diagnosticOf(client, uri, text, 'torch-not-found');
    expect(d.severity).toBe(2);
    expect(d.message).toContain(`${python}: ModuleNotFoundError: No module named 'torch'`);
    expect(d.message).toMatch(/sudo apt-get install python3-torch python3-numpy/);
    expect(d.range.start).toEqual(positionOf(text, `python: ${python}`, python));
    const [fix] = await fixes(client, uri, d);
    expect(fix.title).toBe('Use the embedded `tfjs` engine (it needs nothing installed)');
    expect(applyEdits(text, fix.edit!.changes![uri])).toMatch(/^ {2}engine: tfjs$/m);
    await client.close(uri);
  });

  it('torch-not-found for an interpreter that does not exist', async () => {
    const uri = newUri();
    const missing = path.join(dir, 'no-such-python');
    const d = await diagnosticOf(client, uri, withTraining(`  engine: torch\n  engine_options: { python: ${missing} }\n`), 'torch-not-found');
    expect(d.message).toContain(`${missing}: cannot run '${missing}': not found`);
    await client.close(uri);
  });

  it('cuda-not-found: device cuda where torch has no CUDA; probed once for every document that names the interpreter', async () => {
    const python = fakePython('python-cpu-torch', CPU_TORCH);
    const text = withTraining(`  engine: torch\n  engine_options:\n    python: ${python}\n    device: cuda\n`);
    const first = newUri();
    const d = await diagnosticOf(client, first, text, 'cuda-not-found');
    expect(d.message).toBe(`training.engine_options.device is \`cuda\`, but ${python} (torch 2.3.0) finds no CUDA device. Use \`device: auto\` (CUDA when present, else CPU) or \`cpu\`, or run on a machine with a GPU and a CUDA build of torch.`);
    const [fix] = await fixes(client, first, d);
    expect(fix.title).toBe('Use `device: auto` (CUDA when torch finds it, else the CPU)');
    const fixed = applyEdits(text, fix.edit!.changes![first]);
    expect(fixed).toMatch(/^ {4}device: auto$/m);
    expect((await client.change(first, fixed)).map((x) => x.code).filter(notIndexNote)).toEqual([]);
    // A second document naming the same interpreter gets the cached answer in its very first check.
    const second = newUri();
    expect((await client.open(second, text)).map((x) => x.code).filter(notIndexNote)).toEqual(['cuda-not-found']);
    expect(runsOf(python)).toBe(1);
    await client.close(first);
    await client.close(second);
  });
});

describe('an untrusted workspace', () => {
  it('runs no interpreter until the workspace is trusted, then probes and warns', async () => {
    const untrusted = await LspTestClient.start({ initializationOptions: { workspaceTrusted: false } });
    try {
      const python = fakePython('python-untrusted', CPU_TORCH);
      const uri = newUri();
      const text = withTraining(`  engine: torch\n  engine_options:\n    python: ${python}\n    device: cuda\n`);
      expect((await untrusted.open(uri, text)).map((x) => x.code).filter(notIndexNote)).toEqual([]);
      // Edits check again, and still run nothing.
      expect((await untrusted.change(uri, `${text}  epochs: 2\n`)).map((x) => x.code).filter(notIndexNote)).toEqual([]);
      expect(runsOf(python), 'the interpreter named by an untrusted workspace was run').toBe(0);
      const warned = untrusted.nextDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'cuda-not-found'));
      await untrusted.connection.sendNotification('twoTower/workspaceTrust', { trusted: true });
      await warned;
      expect(runsOf(python)).toBe(1);
    } finally {
      await untrusted.stop();
    }
  });
});

describe('twoTowerLab.pythonPath', () => {
  it('is read with workspace/configuration and probed when the experiment names no interpreter', async () => {
    const python = fakePython('python-from-setting', NO_TORCH);
    const sections: unknown[] = [];
    const withSettings = await LspTestClient.start({ capabilities: { workspace: { configuration: true } } }, (connection) => {
      connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) => {
        sections.push(...params.items.map((i) => i.section));
        return params.items.map((i) => (i.section === 'twoTowerLab' ? { pythonPath: python, runsDirectory: '.two-tower-lab/runs' } : null));
      });
    });
    try {
      const uri = newUri();
      const d = await diagnosticOf(withSettings, uri, withTraining('  engine: torch\n'), 'torch-not-found');
      expect(d.message).toContain(`${python}: ModuleNotFoundError`);
      expect(sections).toContain('twoTowerLab');
      expect(runsOf(python)).toBe(1);
    } finally {
      await withSettings.stop();
    }
  });
});

describe('hover and completion of the engine fields', () => {
  const text = withTraining('  engine: torch\n  engine_options:\n    processes: 2\n    device: \n');
  let uri: string;
  beforeAll(async () => {
    uri = newUri();
    await client.open(uri, text);
  });
  afterAll(async () => {
    await client.close(uri);
  });
  const hover = async (line: string, needle: string): Promise<string> => {
    const at = positionOf(text, line, needle);
    const r = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: at.line, character: at.character + 1 } });
    return r && typeof r.contents === 'object' && 'value' in r.contents ? r.contents.value : '';
  };

  it('hovers engine, engine_options, processes and device with the schema\'s text and defaults', async () => {
    const engine = await hover('engine: torch', 'engine');
    expect(engine).toContain('`tfjs`: the embedded engine in the trainer process');
    expect(engine).toContain('`torch`: PyTorch with DistributedDataParallel launched by torchrun');
    expect(engine).toContain('Default: `"tfjs"`');
    const options = await hover('engine_options:', 'engine_options');
    expect(options).toContain('Options of the torch engine: processes per node, nodes, device, threads per process, the Python interpreter. The tfjs engine reads none of them');
    const processes = await hover('processes: 2', 'processes');
    expect(processes).toContain('worker processes per node (torchrun `--nproc_per_node`)');
    expect(processes).toContain('Default: `1`');
    expect(await hover('device: ', 'device')).toContain('`cuda`: GPUs only; a run refuses to start where torch finds none (the editor warns first');
  });

  it('completes the engine names and the devices', async () => {
    const labels = async (line: number, character: number): Promise<string[]> => {
      const r = await client.connection.sendRequest<CompletionItem[] | CompletionList | null>('textDocument/completion', { textDocument: { uri }, position: { line, character } });
      return (Array.isArray(r) ? r : (r?.items ?? [])).map((i) => i.label).sort();
    };
    const device = positionOf(text, '    device: ', 'device: ');
    expect(await labels(device.line, device.character + 'device: '.length)).toEqual(['auto', 'cpu', 'cuda']);
    const engine = positionOf(text, '  engine: torch', 'torch');
    expect(await labels(engine.line, engine.character)).toEqual(['tfjs', 'torch']);
  });
});
