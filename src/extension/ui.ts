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

  async pickMany<T extends vscode.QuickPickItem>(items: T[], placeHolder: string): Promise<readonly T[] | undefined> {
    return vscode.window.showQuickPick(items, { placeHolder, canPickMany: true });
  }

  async input(prompt: string, value: string, validate: (text: string) => string | undefined): Promise<string | undefined> {
    return vscode.window.showInputBox({ prompt, value, validateInput: validate });
  }

  /** A refusal the user must act on: logged, shown, and each button runs its action when chosen. */
  refuse(message: string, actions: Record<string, () => unknown> = {}): void {
    this.log.warn(message);
    void vscode.window.showErrorMessage(message, ...Object.keys(actions)).then((choice) => {
      if (choice !== undefined) void Promise.resolve(actions[choice]()).catch((err: unknown) => this.error(`'${choice}' failed`, err));
    });
  }

  /** A modal yes/no for destructive actions; true only when the user chose `confirm`. */
  async confirm(message: string, detail: string, confirm: string): Promise<boolean> {
    return (await vscode.window.showWarningMessage(message, { modal: true, detail }, confirm)) === confirm;
  }

  dispose(): void {
    this.log.dispose();
  }
}
