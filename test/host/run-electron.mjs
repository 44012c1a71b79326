#!/usr/bin/env node
// The same extension-host tests in desktop VS Code, for machines that can download it (internet):
//   npm run build && xvfb-run -a node test/host/run-electron.mjs [--vscode-version 1.91.0]
// Offline machines use test/host/run.mjs (code-server) instead. Exit code 0 only when all tests passed.
import { mkdirSync, mkdtempSync, cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const testEntry = path.join(repoRoot, 'dist/test/host/index.js');
const versionArg = process.argv.indexOf('--vscode-version');
// Default: the engines floor, so the tests prove the extension works on the oldest VS Code it accepts.
const version = versionArg > 0 ? process.argv[versionArg + 1] : '1.91.0';

async function main() {
  if (!existsSync(testEntry)) throw new Error(`${testEntry} is missing: run 'npm run build' first`);
  const tmp = mkdtempSync(path.join(tmpdir(), 'ttl-electron-'));
  const workspace = path.join(tmp, 'workspace');
  cpSync(path.join(repoRoot, 'test/fixtures/workspace'), workspace, { recursive: true });
  const resultFile = path.join(repoRoot, 'test-output/host-electron-result.json');
  mkdirSync(path.dirname(resultFile), { recursive: true });
  rmSync(resultFile, { force: true });
  try {
    await runTests({
      version,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: testEntry,
      extensionTestsEnv: { TWO_TOWER_LAB_HOST_RESULT: resultFile },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${path.join(tmp, 'user-data')}`],
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const result = JSON.parse(readFileSync(resultFile, 'utf8'));
  console.log(`electron: VS Code ${result.vscodeVersion}, ${result.passed} passed, ${result.failed} failed`);
  return result.failed === 0 && result.passed > 0 ? 0 : 1;
}

main().then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`electron: ${err.message ?? err}`); process.exitCode = 1; },
);
