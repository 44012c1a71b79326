/**
 * Run Sweep (the code lens of a file with a `sweep:` section, and the palette) and Resume Sweep (a sweep
 * node of the tree): start `two-tower-lab sweep` as its own background process (detached, so a window
 * reload does not stop it; the sweep's state is in its folder, `sweep --resume` continues a killed one).
 * Its runs appear in the tree like any run, grouped under the sweep's node; its output goes to the
 * "Two-Tower Lab Sweeps" channel and a notification says how it ended.
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

import { isProcessAlive } from '../../core/runs/runSummary';
import { readSweepState, type SweepState } from '../../core/sweep/sweepState';
import { Commands } from '../commands';
import { experimentName, type SweepNode } from '../experiments/model';
import type { Ui } from '../ui';
import { sweepCommandLine, type SweepRequest } from './sweepCommand';

export interface SweepLaunchOptions {
  trainerScript: string;
  hostExecPath: string;
  nodePath(): string | undefined;
  runsDirOf(file: string): string;
  /** Where a run of this file is started from (its workspace folder). */
  cwdOf(file: string): string;
  /** Whether runs may start (a trusted workspace). */
  trusted(): boolean;
  /** Stops the runs of a sweep that are still live (when no sweep process drives them any more); returns how many. */
  stopLiveRunsOf(sweepId: string): Promise<number>;
}

/** Registers the commands; `twoTowerLab.runSweep` resolves with the sweep's exit code (null when it did not start). */
export function registerSweeps(context: vscode.ExtensionContext, ui: Ui, options: SweepLaunchOptions): void {
  const output = vscode.window.createOutputChannel('Two-Tower Lab Sweeps');
  context.subscriptions.push(output);

  const start = (request: SweepRequest, file: string, label: string): Promise<number | null> => {
    if (!options.trusted()) {
      ui.info('Two-Tower Lab: sweeps run the trainer, which needs a trusted workspace.');
      return Promise.resolve(null);
    }
    const line = sweepCommandLine({ trainerScript: options.trainerScript, hostExecPath: options.hostExecPath, nodePath: options.nodePath(), runsDir: options.runsDirOf(file) }, request);
    output.appendLine(`$ two-tower-lab ${line.args.slice(1).join(' ')}`);
    const child = spawn(line.command, line.args, { cwd: options.cwdOf(file), env: { ...process.env, ...line.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.setEncoding('utf8').on('data', (text: string) => output.append(text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => output.append(text));
    ui.info(`Two-Tower Lab: sweep of ${label} started; its runs appear under the experiment.`);
    return new Promise((resolve) => {
      child.once('error', (error) => {
        ui.error(`Could not start the sweep of ${label}`, error);
        resolve(null);
      });
      child.once('close', (code) => {
        const how = code === 0 ? 'finished' : code === 1 ? 'finished, with failed runs' : `ended with exit code ${code ?? 'none'}`;
        void vscode.window.showInformationMessage(`Two-Tower Lab: sweep of ${label} ${how}.`, 'Show Output').then((choice) => {
          if (choice === 'Show Output') output.show(true);
        });
        resolve(code);
      });
    });
  };

  const runSweep = async (target?: vscode.Uri): Promise<number | null> => {
    const uri = target ?? vscode.window.activeTextEditor?.document.uri;
    if (!uri || !uri.fsPath.endsWith('.tower.yaml')) {
      ui.info('Two-Tower Lab: open an experiment (*.tower.yaml) with a sweep: section to run its sweep.');
      return null;
    }
    // The trainer reads the file from disk.
    await vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath)?.save();
    return start({ kind: 'start', experiment: uri.fsPath }, uri.fsPath, experimentName(uri.fsPath));
  };

  /**
   * Stop Sweep: the sweep's own process (sweep.json names it while it drives the runs) is sent SIGTERM,
   * so it stops its runs, each after a checkpoint, and starts no more; Resume Sweep continues. When no
   * process drives it (it was killed), the runs still live are stopped one by one.
   */
  const stopSweep = async (node?: SweepNode): Promise<string | undefined> => {
    if (node?.kind !== 'sweep' || node.experiment === undefined) {
      ui.info('Two-Tower Lab: pick a sweep in the Experiments view to stop it.');
      return undefined;
    }
    let driver: SweepState['driver'];
    try {
      driver = readSweepState(options.runsDirOf(node.experiment), node.sweepId).driver;
    } catch (err) {
      ui.error(`Could not read sweep ${node.sweepId}`, err);
      return undefined;
    }
    if (driver && driver.host === hostname() && isProcessAlive(driver.pid)) {
      process.kill(driver.pid, 'SIGTERM');
      ui.info(`Two-Tower Lab: stopping sweep ${node.sweepId}: its runs checkpoint and stop; Resume Sweep continues it.`);
      return 'signalled';
    }
    if (driver && driver.host !== hostname()) {
      ui.refuse(`Two-Tower Lab: sweep ${node.sweepId} is driven from ${driver.host} (pid ${driver.pid}), not this machine: stop it there.`);
      return undefined;
    }
    const stopped = await options.stopLiveRunsOf(node.sweepId);
    ui.info(`Two-Tower Lab: sweep ${node.sweepId} has no live sweep process; ${stopped === 0 ? 'none of its runs is live' : `stopped ${stopped} live run${stopped === 1 ? '' : 's'}`}.`);
    return stopped === 0 ? 'idle' : 'runs-stopped';
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.stopSweep, stopSweep),
    vscode.commands.registerCommand(Commands.runSweep, runSweep),
    vscode.commands.registerCommand(Commands.resumeSweep, async (node?: SweepNode) => {
      if (node?.kind !== 'sweep' || node.experiment === undefined) {
        ui.info('Two-Tower Lab: pick a sweep in the Experiments view to resume it.');
        return null;
      }
      return start({ kind: 'resume', sweepId: node.sweepId }, node.experiment, path.basename(node.sweepId));
    }),
  );
}
