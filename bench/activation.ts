/**
 * Extension activation time, median of 10 activations, each in a fresh Node process (cold: the bundle is
 * loaded from disk every time), in a STUB host: `vscode` is a permissive fake whose every API call
 * returns at once. So the figure is what Two-Tower Lab itself costs when VS Code activates it (loading
 * dist/extension.js + the synchronous part of activate(): tree, run manager, watchers, commands), not the
 * extension host's own start-up, the initial workspace scan or the language server start (both run after
 * activate() returns, in the background). The real-host figure is logged by the extension itself
 * ("activated in … ms", and `api.activationMs`), which the host tests print.
 *
 *   npx tsx bench/activation.ts [samples=10] [bundle=dist/extension.js]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const SAMPLES = Number(process.argv[2] ?? 10);
const repo = path.resolve(__dirname, '..');
/** The bundle to activate: dist/extension.js by default, or another build (e.g. a minified one) given as the 2nd argument. */
const bundle = path.resolve(process.argv[3] ?? path.join(repo, 'dist', 'extension.js'));

// Runs in the child: installs the fake `vscode`, then times require + activate.
const CHILD = String.raw`
const Module = require('node:module');
const { performance } = require('node:perf_hooks');
// Every property is a callable, constructible fake; promises from it never settle (nothing awaits them in activate()).
const fake = () => new Proxy(function () {}, {
  get: (_t, key) => {
    // Thenable that never settles: an awaited UI call simply stays pending.
    if (key === 'then') return () => fake();
    if (key === 'prototype') return {};
    if (key === Symbol.iterator) return function* () {};
    if (key === Symbol.toPrimitive) return () => '';
    if (key === 'fsPath' || key === 'version' || key === 'appHost') return '/tmp';
    return fake();
  },
  set: () => true,
  apply: () => fake(),
  construct: () => fake(),
});
// esbuild's ESM interop copies the module's own properties: give it every name the bundle reads.
// Libraries that require('vscode') directly read any name: those come from the get trap.
const names = Object.fromEntries(JSON.parse(process.env.VSCODE_NAMES).map((n) => [n, n === 'version' ? '1.100.3' : fake()]));
const vscode = new Proxy(names, { get: (t, key) => (key in t ? t[key] : fake()) });
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'vscode' ? vscode : load.call(this, request, ...rest); };
const storage = process.env.STUB_STORAGE;
const context = {
  subscriptions: [],
  extensionUri: vscode.Uri,
  storageUri: { fsPath: storage },
  globalStorageUri: { fsPath: storage },
  asAbsolutePath: (p) => require('node:path').join(process.env.REPO, p),
};
const t0 = performance.now();
const ext = require(process.env.BUNDLE);
const t1 = performance.now();
const api = ext.activate(context);
const t2 = performance.now();
process.stdout.write(JSON.stringify({ requireMs: t1 - t0, activateMs: t2 - t1, reportedMs: api.activationMs }));
process.exit(0);
`;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Every `vscodeN.name` the extension reads (esbuild renames the namespace import per module), from the unminified build. */
const names = [...new Set([...readFileSync(path.join(repo, 'dist', 'extension.js'), 'utf8').matchAll(/\bvscode\d*\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]))];

const samples: { requireMs: number; activateMs: number; reportedMs: number }[] = [];
const storage = mkdtempSync(path.join(tmpdir(), 'ttl-activation-'));
try {
  for (let i = 0; i < SAMPLES; i++) {
    const r = spawnSync(process.execPath, ['-e', CHILD], { env: { ...process.env, VSCODE_NAMES: JSON.stringify(names), BUNDLE: bundle, REPO: repo, STUB_STORAGE: storage }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`activation sample ${i + 1} failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
    samples.push(JSON.parse(r.stdout) as (typeof samples)[number]);
  }
} finally {
  rmSync(storage, { recursive: true, force: true });
}
const total = samples.map((s) => s.requireMs + s.activateMs);
console.log(`activation in a stub host, ${SAMPLES} fresh processes (${path.relative(repo, bundle)}, ${(readFileSync(bundle).length / 1024).toFixed(0)} KB):`);
console.log(`  load bundle   median ${median(samples.map((s) => s.requireMs)).toFixed(1)} ms`);
console.log(`  activate()    median ${median(samples.map((s) => s.activateMs)).toFixed(1)} ms`);
console.log(`  total         median ${median(total).toFixed(1)} ms  (min ${Math.min(...total).toFixed(1)}, max ${Math.max(...total).toFixed(1)})`);
