/** Stop Run and Resume Run: a live run checkpoints and stops; a stopped or failed one continues in its folder. */
import * as path from 'node:path';
import type { RunSummary } from '../../core/runs/runSummary';
import type { RunCommandContext } from './runCommandContext';

export async function stopRun(ctx: RunCommandContext, node?: unknown): Promise<RunSummary | undefined> {
  const entry = await ctx.oneRun(node, 'Run to stop', (e) => ctx.manager.isActive(e.runId));
  if (!entry) return undefined;
  if (!ctx.manager.isActive(entry.runId)) return ctx.refuse(`Two-Tower Lab: run ${entry.runId} is ${entry.summary.status}, not running.`);
  return ctx.stop(entry.runId);
}

export async function resumeRun(ctx: RunCommandContext, node?: unknown): Promise<string | undefined> {
  if (!ctx.trusted()) return undefined;
  const entry = await ctx.oneRun(node, 'Run to resume', (e) => e.summary.status === 'stopped' || e.summary.status === 'failed');
  if (!entry) return undefined;
  if (entry.summary.status !== 'stopped' && entry.summary.status !== 'failed') return ctx.refuse(`Two-Tower Lab: run ${entry.runId} is ${entry.summary.status}; only a stopped or failed run can be resumed.`);
  const file = entry.experiment ?? entry.dir;
  try {
    ctx.manager.resume(entry, path.dirname(entry.dir), ctx.folderOf(file)?.uri.fsPath ?? path.dirname(entry.dir));
  } catch (err) {
    // A live trainer holds the run (a terminal's --resume, another window), or its id is not a run id.
    return ctx.refuse(`Two-Tower Lab: ${err instanceof Error ? err.message : String(err)}`);
  }
  ctx.follow(entry.runId, `Resuming ${entry.runId}`);
  return entry.runId;
}
