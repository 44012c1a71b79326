/** Helpers of the extension-host tests: reach the extension's API, wait on events with a deadline. */
import * as vscode from 'vscode';
import type { TwoTowerLabApi } from '../../../src/extension/api';

export const EXTENSION_ID = 'two-tower-lab.two-tower-lab';

export async function activateExtension(): Promise<TwoTowerLabApi> {
  const ext = vscode.extensions.getExtension<TwoTowerLabApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded: is extensionDevelopmentPath the repository root?`);
  const api = await ext.activate();
  await api.experiments.ready;
  return api;
}

/** Resolves when `condition()` holds, checking now and after each `event`; rejects after `timeoutMs` saying what was awaited. */
export function waitUntil(event: vscode.Event<unknown>, condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const sub = event(() => {
      if (!condition()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the host tests need a workspace folder (the copy of test/fixtures/workspace)');
  return folder.uri;
}

/**
 * A tiny experiment with one semantic error, `impressed-negatives`, at line 16, column 13 (1-based):
 * impressed-but-not-clicked items as listwise negatives. Its quick fix (`in_batch`) leaves no diagnostic.
 */
export function experimentWithImpressedNegatives(name: string): string {
  return `name: ${name}
data:
  synthetic:
    users: 20
    items: 10
user_tower:
  output_dim: 8
item_tower:
  output_dim: 8
score:
  temperature: 0.1
training:
  mode: listwise
  loss: softmax
  negatives:
    source: impressed_not_clicked
evaluation:
  k: [5]
`;
}
