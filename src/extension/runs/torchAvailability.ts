/**
 * Whether this machine has a Python with torch, for the Run command's engine pick: each interpreter is
 * probed once (a child process, never an import of torch into the extension host), an answer without
 * torch is asked again after a minute, and "Check Engines" or a new twoTowerLab.pythonPath forgets every
 * answer. No `vscode` import.
 */
import { findTorchAsync, type TorchFinding } from '../../core/engines/torchProbe';

export const RETRY_MISSING_TORCH_MS = 60_000;

export class TorchAvailability {
  private readonly answers = new Map<string, { at: number; finding: Promise<TorchFinding> }>();

  constructor(
    private readonly find: (python: string | undefined) => Promise<TorchFinding> = findTorchAsync,
    private readonly now: () => number = Date.now,
  ) {}

  /** What `python` (undefined: python3, then /usr/bin/python3) has. */
  async get(python: string | undefined): Promise<TorchFinding> {
    const key = python ?? '';
    const known = this.answers.get(key);
    if (known) {
      const finding = await known.finding;
      if (finding.chosen || this.now() - known.at < RETRY_MISSING_TORCH_MS) return finding;
      if (this.answers.get(key) !== known) return this.get(python);
    }
    const entry = { at: this.now(), finding: this.find(python) };
    this.answers.set(key, entry);
    return entry.finding;
  }

  clear(): void {
    this.answers.clear();
  }
}
