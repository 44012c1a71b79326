/**
 * The language server of `*.tower.yaml`: diagnostics as you type (from the shared validator), completion,
 * hover, quick fixes, outline, go to definition on data paths and the Train code lenses. One class with
 * `listen(connection)`, so the same server runs over stdio, IPC or in-memory streams in tests.
 */
import { fileURLToPath } from 'node:url';
import {
  DidChangeConfigurationNotification,
  DiagnosticSeverity,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceFolder,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

import { confinedProbe, type DataProbe, type ReadPolicy } from '../core/config/dataProbe';
import type { ConfigDiagnostic } from '../core/config/diagnostics';
import type { EngineProbe } from '../core/config/engineRules';
import type { TorchFinding } from '../core/engines/torchProbe';
import { SETTINGS_SECTION, WORKSPACE_TRUST_NOTIFICATION, type ServerInitializationOptions, type ServerSettings, type WorkspaceTrustParams } from '../shared/languageProtocol';
import { codeActionsFor, type DiagnosticData } from './codeActions';
import { codeLensesFor } from './codeLens';
import { completeAt } from './completion';
import { definitionAt } from './definition';
import { CachedEngineProbe } from './engineProbe';
import { hoverAt } from './hover';
import { documentSymbols } from './symbols';

/** The shared validator (core/config/check.ts): one implementation for the CLI, the run command and here. */
export type CheckExperiment = (text: string, options: { filePath: string; probe?: DataProbe; engines?: EngineProbe }) => Promise<{ diagnostics: ConfigDiagnostic[] }>;

export interface ServerOptions {
  check: CheckExperiment;
  probe: DataProbe;
  /** What a Python interpreter (undefined: the defaults) has for the torch engine: findTorchAsync. Without it the engine rules are skipped. */
  findTorch?: (python: string | undefined) => Promise<TorchFinding>;
}

const SEVERITY: Record<ConfigDiagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export function toLspDiagnostic(d: ConfigDiagnostic): Diagnostic {
  const data: DiagnosticData = { path: d.path, hint: d.data };
  return { range: d.range, severity: SEVERITY[d.severity], code: d.code, source: 'two-tower', message: d.message, data };
}

/** The file-system path of a document URI; untitled documents resolve data paths against the working directory. */
export function filePathOf(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : `${process.cwd()}/untitled.tower.yaml`;
}

export class ExperimentLanguageServer {
  private readonly documents = new TextDocuments(TextDocument);
  /** Per document: whether a check is running, and whether another edit arrived meanwhile. */
  private readonly checks = new Map<string, { running: boolean; again: boolean }>();
  private connection: Connection | undefined;
  /** Trusted until the client says otherwise (initializationOptions.workspaceTrusted). */
  private policy: ReadPolicy = { trusted: true, folders: [] };
  /** Every data read of the server goes through this probe, which honours `policy`. */
  private readonly probe: DataProbe;
  /** The editor's settings (`workspace/configuration`); empty for clients that have none. */
  private settings: ServerSettings = {};
  /** Each interpreter probed once, and only in a trusted workspace: running it runs what the workspace names. */
  private readonly engines: CachedEngineProbe | undefined;

  constructor(private readonly options: ServerOptions) {
    this.probe = confinedProbe(options.probe, () => this.policy);
    const findTorch = options.findTorch;
    this.engines = findTorch
      ? new CachedEngineProbe({ find: findTorch, allowed: () => this.policy.trusted, defaultPython: () => this.settings.pythonPath, onAnswer: () => this.recheckAll() })
      : undefined;
  }

  listen(connection: Connection): void {
    this.connection = connection;
    let foldersChange = false;
    let configuration = false;
    let configurationChanges = false;
    connection.onInitialize((params: InitializeParams): InitializeResult => {
      const init = (params.initializationOptions ?? {}) as ServerInitializationOptions;
      this.policy = { trusted: init.workspaceTrusted !== false, folders: workspaceFolderPaths(params.workspaceFolders, params.rootUri) };
      foldersChange = params.capabilities.workspace?.workspaceFolders === true;
      configuration = params.capabilities.workspace?.configuration === true;
      configurationChanges = params.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true;
      return {
        capabilities: {
          textDocumentSync: TextDocumentSyncKind.Incremental,
          completionProvider: { triggerCharacters: [' ', '/', ':'] },
          hoverProvider: true,
          codeActionProvider: { codeActionKinds: ['quickfix'] },
          documentSymbolProvider: true,
          definitionProvider: true,
          codeLensProvider: { resolveProvider: false },
          workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
        },
        serverInfo: { name: 'two-tower-lab' },
      };
    });
    // Trust and folders decide which data files may be read: a change re-checks every open experiment.
    connection.onInitialized(() => {
      if (configuration) {
        void this.readSettings(connection);
        // Tells the client which section to report changes of (twoTowerLab.pythonPath picks the interpreter probed).
        if (configurationChanges) void connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
      }
      if (!foldersChange) return;
      connection.workspace.onDidChangeWorkspaceFolders((e) => {
        const removed = new Set(workspaceFolderPaths(e.removed));
        this.policy = { ...this.policy, folders: [...this.policy.folders.filter((f) => !removed.has(f)), ...workspaceFolderPaths(e.added)] };
        this.recheckAll();
      });
    });
    connection.onDidChangeConfiguration(() => {
      if (configuration) void this.readSettings(connection);
    });
    connection.onNotification(WORKSPACE_TRUST_NOTIFICATION, (params: WorkspaceTrustParams) => {
      this.policy = { ...this.policy, trusted: params.trusted === true };
      this.recheckAll();
    });
    // Fired on open as well as on every change.
    this.documents.onDidChangeContent((e) => this.scheduleCheck(e.document.uri));
    // A data file changed on disk (the client watches them): its header may have changed, so re-check every open experiment.
    connection.onDidChangeWatchedFiles(() => this.recheckAll());
    this.documents.onDidClose((e) => {
      this.checks.delete(e.document.uri);
      void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    });

    connection.onCompletion(async (params) => {
      const doc = this.documents.get(params.textDocument.uri);
      if (!doc) return [];
      const text = doc.getText();
      return completeAt({ lines: text.split('\n'), text, line: params.position.line, character: params.position.character, filePath: filePathOf(doc.uri), columns: this.probe });
    });
    connection.onHover((params) => {
      const doc = this.documents.get(params.textDocument.uri);
      return doc ? hoverAt(doc.getText().split('\n'), params.position.line, params.position.character) : null;
    });
    connection.onCodeAction((params) => {
      const doc = this.documents.get(params.textDocument.uri);
      return doc ? codeActionsFor(doc.uri, doc.getText(), params.context.diagnostics) : [];
    });
    connection.onDocumentSymbol((params) => {
      const doc = this.documents.get(params.textDocument.uri);
      return doc ? documentSymbols(doc.getText()) : [];
    });
    connection.onDefinition(async (params) => {
      const doc = this.documents.get(params.textDocument.uri);
      return doc ? definitionAt(doc.getText().split('\n'), params.position.line, params.position.character, filePathOf(doc.uri)) : null;
    });
    connection.onCodeLens((params) => {
      const doc = this.documents.get(params.textDocument.uri);
      return doc ? codeLensesFor(doc.uri, doc.getText()) : [];
    });

    this.documents.listen(connection);
    connection.listen();
  }

  /** Reads `twoTowerLab.*`; a different pythonPath forgets what was probed and re-checks. */
  private async readSettings(connection: Connection): Promise<void> {
    let read: unknown;
    try {
      read = await connection.workspace.getConfiguration(SETTINGS_SECTION);
    } catch (error) {
      connection.console.warn(`two-tower: could not read the ${SETTINGS_SECTION} settings: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const value = typeof read === 'object' && read !== null ? (read as Record<string, unknown>).pythonPath : undefined;
    const pythonPath = typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
    if (pythonPath === this.settings.pythonPath) return;
    this.settings = { ...this.settings, pythonPath };
    this.engines?.clear();
    this.recheckAll();
  }

  private recheckAll(): void {
    for (const doc of this.documents.all()) this.scheduleCheck(doc.uri);
  }

  /**
   * The light debounce: edits that arrive while a check runs (or in the same tick) collapse into one more
   * check of the latest text, and results for a text that has changed since are never published.
   */
  private scheduleCheck(uri: string): void {
    const state = this.checks.get(uri) ?? { running: false, again: false };
    this.checks.set(uri, state);
    if (state.running) {
      state.again = true;
      return;
    }
    state.running = true;
    setImmediate(() => void this.runCheck(uri, state));
  }

  private async runCheck(uri: string, state: { running: boolean; again: boolean }): Promise<void> {
    const connection = this.connection;
    do {
      state.again = false;
      const doc = this.documents.get(uri);
      if (!doc || !connection) break;
      const version = doc.version;
      try {
        const { diagnostics } = await this.options.check(doc.getText(), { filePath: filePathOf(uri), probe: this.probe, engines: this.engines });
        if (this.documents.get(uri)?.version === version && this.checks.get(uri) === state) {
          await connection.sendDiagnostics({ uri, version, diagnostics: diagnostics.map(toLspDiagnostic) });
        }
      } catch (error) {
        // The validator should never throw; if it does, say so in the output channel and keep the server up.
        connection.console.error(`two-tower: checking ${uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    } while (state.again);
    state.running = false;
  }
}

/** File-system paths of the workspace folders (the root URI when the client sends no folders); non-file URIs are left out. */
function workspaceFolderPaths(folders: readonly WorkspaceFolder[] | null | undefined, rootUri?: string | null): string[] {
  const uris = folders && folders.length > 0 ? folders.map((f) => f.uri) : rootUri ? [rootUri] : [];
  return uris.filter((uri) => uri.startsWith('file:')).map((uri) => fileURLToPath(uri));
}
