/**
 * The language server's EngineProbe: asks each Python interpreter once what it has for the torch
 * engine (core/engines/torchProbe, a child process) and keeps the answer. A check never waits for a
 * probe: the first one starts it and reports nothing about torch, and the answer re-checks the open
 * documents. Nothing is spawned unless the workspace is trusted: the interpreter may come from the
 * workspace's own file (`engine_options.python`), and running it is running the workspace's code.
 */
import type { EngineProbe } from '../core/config/engineRules';
import type { TorchFinding } from '../core/engines/torchProbe';

export interface EngineProbeOptions {
  /** findTorchAsync, or a fake in tests: what `python` (undefined: the defaults) has. */
  find(python: string | undefined): Promise<TorchFinding>;
  /** False in an untrusted workspace: then nothing is probed. */
  allowed(): boolean;
  /** The editor's twoTowerLab.pythonPath, used when the experiment names no interpreter. */
  defaultPython(): string | undefined;
  /** Called when a probe answered, so the documents are checked again with its finding. */
  onAnswer(): void;
  /** ms since the epoch (tests pass their own clock). */
  now?(): number;
}

/**
 * A finding without torch is asked again after this long: the user may install torch while the editor is
 * open. A usable interpreter is kept until the setting changes (clear()).
 */
export const RETRY_MISSING_TORCH_MS = 60_000;

interface Entry {
  finding?: TorchFinding;
  /** When `finding` was made. */
  at: number;
  /** Set while a probe runs. */
  probing?: Promise<void>;
}

export class CachedEngineProbe implements EngineProbe {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: EngineProbeOptions) {}

  torch(python: string | undefined): Promise<TorchFinding | undefined> {
    return Promise.resolve(this.lookup(python));
  }

  /** Forgets every answer (the interpreter setting changed); probes still running are ignored when they answer. */
  clear(): void {
    this.entries.clear();
  }

  private lookup(python: string | undefined): TorchFinding | undefined {
    if (!this.options.allowed()) return undefined;
    const interpreter = python ?? this.options.defaultPython();
    // '' stands for "the defaults" (python3, then /usr/bin/python3).
    const key = interpreter ?? '';
    const now = this.options.now?.() ?? Date.now();
    let entry = this.entries.get(key);
    const fresh = entry?.finding !== undefined && (entry.finding.chosen !== undefined || now - entry.at < RETRY_MISSING_TORCH_MS);
    if (entry === undefined) {
      entry = { at: now };
      this.entries.set(key, entry);
    }
    if (!fresh && entry.probing === undefined) {
      const current = entry;
      current.probing = this.options.find(interpreter).then(
        (finding) => {
          current.probing = undefined;
          // Cleared meanwhile (the setting changed): this answer is for an interpreter no longer asked about.
          if (this.entries.get(key) !== current) return;
          current.finding = finding;
          current.at = this.options.now?.() ?? Date.now();
          this.options.onAnswer();
        },
        (error: unknown) => {
          // findTorchAsync puts problems into its probes and does not reject: a rejection is a bug of the finder. Ask again next time.
          current.probing = undefined;
          if (this.entries.get(key) === current && current.finding === undefined) this.entries.delete(key);
          void error;
        },
      );
    }
    // While a missing torch is asked again, the previous finding stays reported (no flicker of the warning).
    return entry.finding;
  }
}
