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

/** Command of the "Run Sweep" lens, on files with a top-level `sweep:` section. Argument: the document URI. */
export const RUN_SWEEP_COMMAND = 'twoTowerLab.runSweep';

export interface RunExperimentOptions {
  /** Ask for the loss / training mode with a quick pick instead of using the file's. */
  pickLoss?: boolean;
}

/**
 * Sent by the client in `initialize` as `initializationOptions`. A client that sends none (other editors,
 * tests) is taken as a trusted workspace: only VS Code has workspace trust.
 */
export interface ServerInitializationOptions {
  /** `vscode.workspace.isTrusted`: when false, the server reads no data file outside the workspace folders. */
  workspaceTrusted?: boolean;
}

/** Notification, client → server: the user trusted the workspace (VS Code cannot take trust back without a reload). */
export const WORKSPACE_TRUST_NOTIFICATION = 'twoTower/workspaceTrust';

export interface WorkspaceTrustParams {
  trusted: boolean;
}

/**
 * The settings section the server reads with `workspace/configuration` (and is told about through
 * `workspace/didChangeConfiguration`): package.json `contributes.configuration`, `twoTowerLab.*`.
 */
export const SETTINGS_SECTION = 'twoTowerLab';

/** The part of that section the server uses. */
export interface ServerSettings {
  /** The interpreter probed for `engine: torch` when the experiment names none (`engine_options.python`). */
  pythonPath?: string;
}
