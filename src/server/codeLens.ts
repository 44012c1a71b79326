/** The "Train" and "Train with loss…" lenses at the top of every experiment file. */
import type { CodeLens } from 'vscode-languageserver/node';

import { RUN_EXPERIMENT_COMMAND } from '../shared/languageProtocol';

export function codeLensesFor(uri: string, text: string): CodeLens[] {
  const lines = text.split('\n');
  // On the first line that is not a comment, so the lens sits above the experiment, not above a licence header.
  let line = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (line < 0) line = 0;
  const range = { start: { line, character: 0 }, end: { line, character: 0 } };
  return [
    { range, command: { title: '$(play) Train', command: RUN_EXPERIMENT_COMMAND, arguments: [uri] } },
    { range, command: { title: 'Train with loss…', command: RUN_EXPERIMENT_COMMAND, arguments: [uri, { pickLoss: true }] } },
  ];
}
