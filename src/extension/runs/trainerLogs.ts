/**
 * The trainers' stderr in one output channel, "Two-Tower Lab: Trainers", each line prefixed with its run
 * id (a channel per run piled up, eight after a session): filled live for runs this window follows, and
 * from the run folder's `trainer.log` (or the live log file) for others when asked.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TRAINER_LOG } from './liveRun';
import { prefixLines } from './logLines';
import type { RunManager } from './runManager';

export const TRAINERS_CHANNEL = 'Two-Tower Lab: Trainers';

export class TrainerLogs implements vscode.Disposable {
  private channelValue: vscode.OutputChannel | undefined;
  /** Per run: the unfinished last line of its live output. */
  private readonly pending = new Map<string, string>();
  /** Runs whose output is in the channel (live, or read from their log once). */
  private readonly inChannel = new Set<string>();
  private readonly subscription: { dispose(): void };

  constructor(private readonly manager: RunManager) {
    this.subscription = manager.onStderr((runId, text) => this.append(runId, text));
  }

  private get channel(): vscode.OutputChannel {
    this.channelValue ??= vscode.window.createOutputChannel(TRAINERS_CHANNEL);
    return this.channelValue;
  }

  private append(runId: string, text: string): void {
    this.inChannel.add(runId);
    const { out, rest } = prefixLines(runId, this.pending.get(runId) ?? '', text);
    this.pending.set(runId, rest);
    if (out) this.channel.append(out);
  }

  /** Shows the trainers' channel with the run's stderr in it; returns false when there is none (a run started from a terminal). */
  async show(runId: string, runDir: string): Promise<boolean> {
    if (this.inChannel.has(runId)) {
      this.channel.show(true);
      return true;
    }
    for (const file of [path.join(runDir, TRAINER_LOG), this.manager.logFileOf(runId)]) {
      try {
        const text = await readFile(file, 'utf8');
        this.channel.append(`[${runId}] ── ${file} ──\n`);
        this.append(runId, text.endsWith('\n') ? text : `${text}\n`);
        this.channel.show(true);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return false;
  }

  dispose(): void {
    this.subscription.dispose();
    this.channelValue?.dispose();
    this.pending.clear();
    this.inChannel.clear();
  }
}
