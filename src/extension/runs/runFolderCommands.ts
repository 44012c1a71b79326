/** What acts on a run's folder: Reveal Run Folder, Delete Run, Rename Run… and Show Trainer Log. */
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readRunMeta, renameRun as writeRunName, runNameProblem } from '../../core/runs/runMeta';
import type { RunCommandContext } from './runCommandContext';
import { whyNotWritable } from './runManager';

export async function revealRun(ctx: RunCommandContext, node?: unknown): Promise<void> {
  const entry = await ctx.oneRun(node, 'Run folder to reveal');
  if (!entry) return;
  const uri = vscode.Uri.file(entry.dir);
  // Remote and web windows cannot open the OS file manager of the machine that holds the folder.
  const local = vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop;
  await vscode.commands.executeCommand(local ? 'revealFileInOS' : 'revealInExplorer', uri);
}

export async function deleteRuns(ctx: RunCommandContext, node?: unknown, nodes?: unknown): Promise<boolean> {
  const { manager, ui } = ctx;
  let entries = ctx.entriesOf(node, nodes);
  if (entries.length === 0) {
    const one = await ctx.oneRun(undefined, 'Run to delete');
    entries = one ? [one] : [];
  }
  if (entries.length === 0) return false;
  const active = entries.filter((e) => manager.isActive(e.runId) || e.summary.status === 'running');
  if (active.length > 0) {
    ctx.refuse(`Two-Tower Lab: run ${active.map((e) => e.runId).join(', ')} is still ${active[0].summary.status}; stop it before deleting it.`);
    return false;
  }
  // A trainer started elsewhere may hold a run this window sees as ended (a terminal's --resume starting up).
  const held = entries.map((e) => whyNotWritable(e, path.dirname(e.dir))).find((why) => why !== undefined);
  if (held !== undefined) {
    ctx.refuse(`Two-Tower Lab: ${held}`);
    return false;
  }
  const what = entries.length === 1 ? `run ${entries[0].runId}` : `${entries.length} runs`;
  const ok = await ui.confirm(`Delete ${what}?`, `This deletes ${entries.map((e) => e.dir).join(', ')} with its events, checkpoint and embeddings. It cannot be undone.`, 'Delete');
  if (!ok) return false;
  for (const e of entries) {
    await rm(e.dir, { recursive: true, force: true });
    manager.forgetFolder(e.dir);
  }
  return true;
}

/** A name given (the API, tests) is used as is; else the user types one, checked as typed. */
export async function renameRun(ctx: RunCommandContext, node?: unknown, name?: unknown): Promise<string | undefined> {
  const { manager, ui } = ctx;
  const entry = await ctx.oneRun(node, 'Run to rename');
  if (!entry) return undefined;
  const chosen = typeof name === 'string' ? name : await ui.input(`Name of run ${entry.runId} (shown in the tree and the plots instead of its id)`, entry.meta.name ?? '', (text) => runNameProblem(text));
  if (chosen === undefined) return undefined;
  const problem = runNameProblem(chosen);
  if (problem) return ctx.refuse(`Two-Tower Lab: run ${entry.runId} keeps its name: ${problem}`);
  try {
    writeRunName(entry.dir, chosen);
  } catch (err) {
    ui.error(`Could not rename run ${entry.runId}`, err);
    return undefined;
  }
  manager.registry.setMeta(entry.runId, readRunMeta(entry.dir));
  ctx.experiments.refresh();
  return chosen.trim();
}

export async function showTrainerLog(ctx: RunCommandContext, node?: unknown): Promise<void> {
  const entry = await ctx.oneRun(node, 'Run whose trainer log to show');
  if (!entry) return;
  if (!(await ctx.logs.show(entry.runId, entry.dir))) {
    ctx.ui.info(`Two-Tower Lab: run ${entry.runId} was started outside VS Code, so its trainer output went to the terminal that started it.`);
  }
}
