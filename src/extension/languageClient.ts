/**
 * Starts the experiment language server (dist/server.js) over IPC for `two-tower` documents. The server does
 * all the language work; this client only connects it and turns the code lenses' URI strings into
 * `vscode.Uri`s for the run command.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

import { LANGUAGE_ID, WORKSPACE_TRUST_NOTIFICATION, type ServerInitializationOptions, type WorkspaceTrustParams } from '../shared/languageProtocol';

export async function startLanguageClient(context: vscode.ExtensionContext): Promise<LanguageClient> {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
  };
  const dataFiles = vscode.workspace.createFileSystemWatcher('**/*.{csv,tsv,tab,data,dat,jsonl,ndjson,parquet,pq,gz,zst}');
  context.subscriptions.push(dataFiles);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: LANGUAGE_ID }],
    // A function, so that a restarted server learns the trust of now. Untrusted: no data file outside the workspace is read.
    initializationOptions: (): ServerInitializationOptions => ({ workspaceTrusted: vscode.workspace.isTrusted }),
    // Data files whose headers the diagnostics read: a change re-checks the open experiments.
    synchronize: { fileEvents: dataFiles },
    middleware: {
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        for (const lens of lenses ?? []) {
          const args = lens.command?.arguments;
          if (args && typeof args[0] === 'string') args[0] = vscode.Uri.parse(args[0]);
        }
        return lenses;
      },
    },
  };
  const client = new LanguageClient('twoTowerLab.languageServer', 'Two-Tower Lab language server', serverOptions, clientOptions);
  context.subscriptions.push(client);
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      const params: WorkspaceTrustParams = { trusted: true };
      // A server that is not running learns it from initializationOptions when it starts.
      if (client.isRunning()) void client.sendNotification(WORKSPACE_TRUST_NOTIFICATION, params);
    }),
  );
  await client.start();
  return client;
}
