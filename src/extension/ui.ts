/**
 * The few UI calls the extension makes, behind one small wrapper, so commands read as intent and
 * failures always reach both the user and the log.
 */
import * as vscode from 'vscode';

export class Ui implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;

  constructor() {
    this.log = vscode.window.createOutputChannel('Two-Tower Lab', { log: true });
  }

  info(message: string): void {
    this.log.info(message);
    void vscode.window.showInformationMessage(message);
  }

  /** Logs the full error and shows a one-line message with a way to the log. */
  error(what: string, err: unknown): void {
    const detail = err instanceof Error ? err.message : String(err);
    this.log.error(`${what}: ${err instanceof Error && err.stack ? err.stack : detail}`);
    void vscode.window.showErrorMessage(`Two-Tower Lab: ${what}: ${detail}`, 'Show Log').then((choice) => {
      if (choice === 'Show Log') this.log.show();
    });
  }

  async pick<T extends vscode.QuickPickItem>(items: T[], placeHolder: string): Promise<T | undefined> {
    return vscode.window.showQuickPick(items, { placeHolder });
  }

  dispose(): void {
    this.log.dispose();
  }
}
