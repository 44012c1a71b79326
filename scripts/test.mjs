#!/usr/bin/env node
// `npm test`: build, then every test tier, then exactly one summary line `N passed, N failed`.
//   tier 1  vitest: unit, language-server, trainer-process and browser tests (test/**, src/**/*.test.ts)
//   tier 2  extension-host tests in a real VS Code (code-server, offline): test/host/run.mjs
//   tier 3  Python tests of the torch engine (unittest, python/tests), with the Python that has torch
// A tier that crashes (no report, runner error) counts as one failure, never as zero tests.
// Exit code 0 only when every tier ran and nothing failed.
//   node scripts/test.mjs [--tiers=unit,host,python]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(repoRoot, 'test-output');
const codeServerEntry = path.join(repoRoot, 'test/host/code-server/node_modules/code-server/out/node/entry.js');

const tiersArg = process.argv.find((a) => a.startsWith('--tiers='));
const tiers = new Set((tiersArg ? tiersArg.slice('--tiers='.length) : 'unit,host,python').split(','));
for (const t of tiers) if (!['unit', 'host', 'python'].includes(t)) throw new Error(`scripts/test.mjs: unknown tier '${t}' in --tiers (known: unit, host, python)`);

/** Runs a command with inherited output; returns its exit status (null when killed by a signal). */
function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) console.error(`test: could not start ${cmd}: ${r.error.message}`);
  return r.status;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`test: could not read ${path.relative(repoRoot, file)}: ${err.message}`);
    return undefined;
  }
}

/** @type {{name: string, passed: number, failed: number, skipped: number, note: string}[]} */
const results = [];

function buildStep() {
  const status = run(process.execPath, ['esbuild.mjs']);
  if (status !== 0) results.push({ name: 'build (node esbuild.mjs)', passed: 0, failed: 1, skipped: 0, note: `crashed: exit ${status}` });
  return status === 0;
}

function unitTier() {
  const report = path.join(outDir, 'vitest.json');
  rmSync(report, { force: true });
  const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`]);
  const json = existsSync(report) ? readJson(report) : undefined;
  const name = 'tier 1: vitest (unit, LSP, trainer, browser)';
  if (!json) {
    results.push({ name, passed: 0, failed: 1, skipped: 0, note: `crashed: exit ${status}, no JSON report` });
    return;
  }
  // A test file that fails to load has status "failed" and no failed assertion: count it as one failure.
  const brokenFiles = (json.testResults ?? []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  );
  for (const f of brokenFiles) console.error(`test: ${path.relative(repoRoot, f.name)} failed to run: ${(f.message ?? '').split('\n')[0]}`);
  let failed = (json.numFailedTests ?? 0) + brokenFiles.length;
  const passed = json.numPassedTests ?? 0;
  let note = `${json.numTotalTestSuites ?? '?'} suites`;
  if (status !== 0 && failed === 0) {
    failed = 1;
    note = `crashed: vitest exited ${status} with no failed test`;
  }
  if (passed + failed === 0) {
    failed = 1;
    note = 'crashed: no test ran';
  }
  results.push({ name, passed, failed, skipped: (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0), note });
}

function hostTier(built) {
  const name = 'tier 2: extension host (code-server)';
  if (!built) {
    results.push({ name, passed: 0, failed: 1, skipped: 0, note: 'not run: the build failed' });
    return;
  }
  if (!existsSync(codeServerEntry)) {
    console.log('test: installing the test VS Code (code-server) first');
    const status = run('bash', [path.join('scripts', 'install-test-host.sh')]);
    if (status !== 0) {
      results.push({ name, passed: 0, failed: 1, skipped: 0, note: `crashed: scripts/install-test-host.sh exited ${status}` });
      return;
    }
  }
  const report = path.join(outDir, 'host-result.json');
  rmSync(report, { force: true });
  const status = run(process.execPath, ['test/host/run.mjs', '--no-build', '--result-file', report]);
  const json = existsSync(report) ? readJson(report) : undefined;
  if (!json) {
    results.push({ name, passed: 0, failed: 1, skipped: 0, note: `crashed: exit ${status}, no result file` });
    return;
  }
  let failed = json.failed ?? 0;
  let note = `VS Code ${json.vscodeVersion ?? '?'}`;
  if ((status !== 0 || json.crashed) && failed === 0) {
    failed = 1;
    note = `crashed: ${json.error ?? `exit ${status}`}`;
  }
  results.push({ name, passed: json.passed ?? 0, failed, skipped: 0, note });
}

/** Runs python/tests with unittest and a JSON report: Debian's python3 (python3-torch) unless TWO_TOWER_LAB_PYTHON names one. */
const PYTHON_RUNNER = `
import json, sys, unittest
suite = unittest.defaultTestLoader.discover("python/tests", top_level_dir="python")
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
report = {"run": result.testsRun, "failures": len(result.failures), "errors": len(result.errors), "skipped": len(result.skipped),
          "skipReasons": sorted(set(r for _, r in result.skipped))}
open(sys.argv[1], "w").write(json.dumps(report))
`;

function pythonTier() {
  const name = 'tier 3: python (unittest, torch engine)';
  const python = process.env.TWO_TOWER_LAB_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const report = path.join(outDir, 'python.json');
  rmSync(report, { force: true });
  const status = run(python, ['-c', PYTHON_RUNNER, report], { PYTHONPATH: path.join(repoRoot, 'python'), OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' });
  const json = existsSync(report) ? readJson(report) : undefined;
  if (!json) {
    results.push({ name, passed: 0, failed: 1, skipped: 0, note: `crashed: ${python} exited ${status}, no report` });
    return;
  }
  const failed = json.failures + json.errors;
  const skipped = json.skipped;
  const passed = json.run - failed - skipped;
  if (json.run === 0) {
    results.push({ name, passed: 0, failed: 1, skipped: 0, note: 'crashed: no test ran' });
    return;
  }
  results.push({ name, passed, failed, skipped, note: `${python}${skipped ? `; skipped: ${json.skipReasons.join('; ')}` : ''}` });
}

mkdirSync(outDir, { recursive: true });
const built = buildStep();
if (tiers.has('unit')) unitTier();
if (tiers.has('python')) pythonTier();
if (tiers.has('host')) hostTier(built);

console.log('');
for (const r of results) console.log(`${r.name}: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''} (${r.note})`);
const passed = results.reduce((s, r) => s + r.passed, 0);
const failed = results.reduce((s, r) => s + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
