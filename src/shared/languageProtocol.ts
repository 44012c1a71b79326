/**
 * What crosses the extension ↔ language-server boundary besides standard LSP. Imported by both sides
 * (src/server, src/extension/languageClient.ts); see docs/language-server.md.
 */

/** The language id of `*.tower.yaml` files (package.json `contributes.languages`). */
export const LANGUAGE_ID = 'two-tower';

/**
 * Command the server's code lenses run (sent by the server inside CodeLens.command, executed by the
 * extension). Arguments: the document URI (a string on the wire; the client turns it into a `vscode.Uri`)
 * and, for "Train with loss…", `RunExperimentOptions`.
 */
export const RUN_EXPERIMENT_COMMAND = 'twoTowerLab.runExperiment';

export interface RunExperimentOptions {
  /** Ask for the loss / training mode with a quick pick instead of using the file's. */
  pickLoss?: boolean;
}
