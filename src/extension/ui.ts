/**
 * The few UI calls the extension makes, behind one small wrapper, so commands read as intent and
 * failures always reach both the user and the log.
 */
import * as vscode from 'vscode';

/** What one quick pick offered: its placeholder and its items in order. */
export interface PickShown {
  readonly placeHolder: string;
  readonly items: readonly { readonly label: string; readonly description?: string }[];
}

/** A notification the extension showed: its severity, text and buttons (the exported API reports them). */
export interface NoticeShown {
  readonly severity: 'info' | 'warning' | 'error';
  readonly message: string;
  readonly actions: readonly string[];
}

/** Chooses an item of a pick in place of the user: its index, or undefined to dismiss the pick. */
export type PickAnswer = (shown: PickShown) => number | undefined;

export class Ui implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  private readonly didShowPick = new vscode.EventEmitter<PickShown>();
  /** Fires with what each single-choice quick pick offers, before it is answered. */
  readonly onDidShowPick = this.didShowPick.event;
  private readonly didNotify = new vscode.EventEmitter<NoticeShown>();
  /** Fires with each information, warning and error message as it is shown. */
  readonly onDidNotify = this.didNotify.event;
  /** Answers queued by `answerNextPick` (tests, automation through the exported API); empty for users. */
  private readonly queuedAnswers: PickAnswer[] = [];

  constructor() {
    this.log = vscode.window.createOutputChannel('Two-Tower Lab', { log: true });
  }

  /**
   * The next single-choice pick is answered by `answer` instead of being shown: the extension-host tests
   * drive the Run command's mode/loss pick this way, since they cannot click in the workbench.
   * Dispose the result to withdraw an answer no pick used.
   */
  answerNextPick(answer: PickAnswer): vscode.Disposable {
    this.queuedAnswers.push(answer);
    // Disposing withdraws the answer if no pick used it, so it cannot answer a later, unrelated pick.
    return new vscode.Disposable(() => {
      const at = this.queuedAnswers.indexOf(answer);
      if (at >= 0) this.queuedAnswers.splice(at, 1);
    });
  }

  /** An information message; each button runs its action when chosen. */
  info(message: string, actions: Record<string, () => unknown> = {}): void {
    this.log.info(message);
    this.didNotify.fire({ severity: 'info', message, actions: Object.keys(actions) });
    void vscode.window.showInformationMessage(message, ...Object.keys(actions)).then((choice) => this.runAction(choice, actions));
  }

  /** Something the user should act on that is not a failure (e.g. an engine that is not installed). */
  warn(message: string, actions: Record<string, () => unknown> = {}): void {
    this.log.warn(message);
    this.didNotify.fire({ severity: 'warning', message, actions: Object.keys(actions) });
    void vscode.window.showWarningMessage(message, ...Object.keys(actions)).then((choice) => this.runAction(choice, actions));
  }

  private runAction(choice: string | undefined, actions: Record<string, () => unknown>): void {
    if (choice !== undefined) void Promise.resolve(actions[choice]()).catch((err: unknown) => this.error(`'${choice}' failed`, err));
  }

  /** Logs the full error and shows a one-line message with a way to the log. */
  error(what: string, err: unknown): void {
    const detail = err instanceof Error ? err.message : String(err);
    this.log.error(`${what}: ${err instanceof Error && err.stack ? err.stack : detail}`);
    this.didNotify.fire({ severity: 'error', message: `Two-Tower Lab: ${what}: ${detail}`, actions: ['Show Log'] });
    void vscode.window.showErrorMessage(`Two-Tower Lab: ${what}: ${detail}`, 'Show Log').then((choice) => {
      if (choice === 'Show Log') this.log.show();
    });
  }

  async pick<T extends vscode.QuickPickItem>(items: T[], placeHolder: string): Promise<T | undefined> {
    const shown: PickShown = { placeHolder, items: items.map((i) => ({ label: i.label, description: i.description })) };
    this.didShowPick.fire(shown);
    const answer = this.queuedAnswers.shift();
    if (!answer) return vscode.window.showQuickPick(items, { placeHolder });
    const index = answer(shown);
    if (index === undefined) return undefined;
    const item = items[index];
    if (!item) throw new Error(`a queued answer chose item ${index} of the pick '${placeHolder}', which has ${items.length} items`);
    this.log.info(`pick '${placeHolder}' answered through the API: ${item.label}`);
    return item;
  }

  async pickMany<T extends vscode.QuickPickItem>(items: T[], placeHolder: string): Promise<readonly T[] | undefined> {
    return vscode.window.showQuickPick(items, { placeHolder, canPickMany: true });
  }

  async input(prompt: string, value: string, validate: (text: string) => string | undefined): Promise<string | undefined> {
    return vscode.window.showInputBox({ prompt, value, validateInput: validate });
  }

  /** A message of the given severity (an error one without an exception behind it, e.g. a run that failed). */
  notify(severity: NoticeShown['severity'], message: string, actions: Record<string, () => unknown> = {}): void {
    if (severity === 'info') return this.info(message, actions);
    if (severity === 'warning') return this.warn(message, actions);
    return this.refuse(message, actions);
  }

  /** A refusal the user must act on: logged, shown, and each button runs its action when chosen. */
  refuse(message: string, actions: Record<string, () => unknown> = {}): void {
    this.log.warn(message);
    this.didNotify.fire({ severity: 'error', message, actions: Object.keys(actions) });
    void vscode.window.showErrorMessage(message, ...Object.keys(actions)).then((choice) => this.runAction(choice, actions));
  }

  /** A modal yes/no for destructive actions; true only when the user chose `confirm`. */
  async confirm(message: string, detail: string, confirm: string): Promise<boolean> {
    return (await vscode.window.showWarningMessage(message, { modal: true, detail }, confirm)) === confirm;
  }

  dispose(): void {
    this.didShowPick.dispose();
    this.didNotify.dispose();
    this.log.dispose();
  }
}
