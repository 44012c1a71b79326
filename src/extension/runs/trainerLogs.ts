/**
 * One output channel per run with the trainer's stderr: filled live for runs this window follows, and
 * from the run folder's `trainer.log` (or the live log file) for others when asked.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TRAINER_LOG } from './liveRun';
import type { RunManager } from './runManager';

export class TrainerLogs implements vscode.Disposable {
  private readonly channels = new Map<string, vscode.OutputChannel>();
  private readonly subscription: { dispose(): void };

  constructor(private readonly manager: RunManager) {
    this.subscription = manager.onStderr((runId, text) => this.channel(runId).append(text));
  }

  private channel(runId: string): vscode.OutputChannel {
    let channel = this.channels.get(runId);
    if (!channel) {
      channel = vscode.window.createOutputChannel(`Two-Tower Lab: ${runId}`);
      this.channels.set(runId, channel);
    }
    return channel;
  }

  /** Shows the run's stderr; returns false when there is none to show (a run started from a terminal). */
  async show(runId: string, runDir: string): Promise<boolean> {
    const existing = this.channels.get(runId);
    if (existing) {
      existing.show(true);
      return true;
    }
    for (const file of [path.join(runDir, TRAINER_LOG), this.manager.logFileOf(runId)]) {
      try {
        const text = await readFile(file, 'utf8');
        const channel = this.channel(runId);
        channel.append(text);
        channel.show(true);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return false;
  }

  dispose(): void {
    this.subscription.dispose();
    for (const c of this.channels.values()) c.dispose();
    this.channels.clear();
  }
}
