/**
 * Entry point of the extension-host tests, loaded by VS Code (code-server via test/host/run.mjs, or
 * desktop VS Code via test/host/run-electron.mjs) through `extensionTestsPath`. Runs mocha on the
 * bundled tests and writes `{passed, failed, tests, vscodeVersion}` to the file named by
 * TWO_TOWER_LAB_HOST_RESULT, so the harness never depends on the browser to learn the outcome.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { registerActivationTests } from './activation.test';
import { registerDataTests } from './data.test';
import { registerEnginesTests } from './engines.test';
import { registerExperimentsTreeTests } from './experimentsTree.test';
import { registerLanguageTests } from './language.test';
import { registerOpenExperimentTests } from './openExperiment.test';
import { registerPlotsTests } from './plots.test';
import { registerRecommendTests } from './recommend.test';
import { registerRunControlsTests } from './runControls.test';
import { registerRunsTests } from './runs.test';
import { registerSweepsTests } from './sweeps.test';

export const RESULT_FILE_ENV = 'TWO_TOWER_LAB_HOST_RESULT';
/** `node test/host/run.mjs --grep PATTERN`: only the tests whose full title matches. */
export const GREP_ENV = 'TWO_TOWER_LAB_HOST_GREP';

/** Each test file contributes its suites through one function, called after mocha has set up its globals. */
const SUITES: readonly (() => void)[] = [registerActivationTests, registerExperimentsTreeTests, registerOpenExperimentTests, registerLanguageTests, registerRunsTests, registerRunControlsTests, registerPlotsTests, registerEnginesTests, registerSweepsTests, registerDataTests, registerRecommendTests];

interface TestRecord {
  title: string;
  state: 'passed' | 'failed';
  durationMs: number;
  error?: string;
}

export interface HostResult {
  passed: number;
  failed: number;
  tests: TestRecord[];
  vscodeVersion: string;
  uiKind: string;
  remoteName: string | null;
}

function writeResult(result: HostResult): void {
  const file = process.env[RESULT_FILE_ENV];
  if (!file) {
    console.log(`host tests: ${RESULT_FILE_ENV} is not set, so no result file is written`);
    return;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.partial`, JSON.stringify(result, null, 2));
  renameSync(`${file}.partial`, file);
}

export function run(): Promise<void> {
  // The extension host forwards console output without filling `%s`, so format mocha's reporter lines here.
  Mocha.reporters.Base.consoleLog = (...args: unknown[]): void => console.log(util.format(...args));
  const grep = process.env[GREP_ENV];
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 30_000, ...(grep ? { grep } : {}) });
  mocha.suite.emit('pre-require', globalThis, 'bundled-host-tests', mocha);
  for (const register of SUITES) register();

  const tests: TestRecord[] = [];
  console.log(`host tests: VS Code ${vscode.version}, uiKind ${vscode.UIKind[vscode.env.uiKind]}, remote ${vscode.env.remoteName ?? 'none'}`);
  return new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const passed = tests.filter((t) => t.state === 'passed').length;
      const failed = tests.length - passed;
      try {
        writeResult({
          passed,
          failed,
          tests,
          vscodeVersion: vscode.version,
          uiKind: vscode.UIKind[vscode.env.uiKind],
          remoteName: vscode.env.remoteName ?? null,
        });
      } catch (err) {
        reject(new Error(`host tests ran (${passed} passed, ${failed} failed) but the result file could not be written: ${String(err)}`));
        return;
      }
      if (failures > 0 || failed > 0) reject(new Error(`${Math.max(failures, failed)} host test(s) failed`));
      else if (passed === 0) reject(new Error('no host test ran: check that the suites are registered in test/host/suite/index.ts'));
      else resolve();
    });
    runner.on('pass', (test) => tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration ?? 0 }));
    // 'fail' also fires for failing hooks, which count as failures of their own.
    runner.on('fail', (test, err: Error) =>
      tests.push({ title: test.fullTitle(), state: 'failed', durationMs: test.duration ?? 0, error: err.stack ?? err.message }),
    );
  });
}
