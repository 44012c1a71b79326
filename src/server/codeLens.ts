/** The "Train" and "Train with loss…" lenses at the top of every experiment file, and "Run Sweep" when it has a `sweep:` section. */
import type { CodeLens } from 'vscode-languageserver/node';

import { RUN_EXPERIMENT_COMMAND, RUN_SWEEP_COMMAND } from '../shared/languageProtocol';

export function codeLensesFor(uri: string, text: string): CodeLens[] {
  const lines = text.split('\n');
  // On the first line that is not a comment, so the lens sits above the experiment, not above a licence header.
  let line = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (line < 0) line = 0;
  const range = { start: { line, character: 0 }, end: { line, character: 0 } };
  const lenses: CodeLens[] = [
    { range, command: { title: '$(play) Train', command: RUN_EXPERIMENT_COMMAND, arguments: [uri] } },
    { range, command: { title: 'Train with loss…', command: RUN_EXPERIMENT_COMMAND, arguments: [uri, { pickLoss: true }] } },
  ];
  // Above the sweep section itself: what it launches is right below.
  const sweepLine = lines.findIndex((l) => /^sweep\s*:/.test(l));
  if (sweepLine >= 0) {
    const at = { start: { line: sweepLine, character: 0 }, end: { line: sweepLine, character: 0 } };
    lenses.push({ range: at, command: { title: '$(run-all) Run Sweep', command: RUN_SWEEP_COMMAND, arguments: [uri] } });
  }
  return lenses;
}
