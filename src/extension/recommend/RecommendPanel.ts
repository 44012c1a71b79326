/**
 * The "Recommend for a User…" panel host: one panel, showing one user's top K from one run. Each
 * question (another run, exact / ANN, another user) runs `two-tower-lab recommend … --format jsonl`
 * in a child process (recommendProcess.ts) and sends the webview the rows; a newer question wins over
 * an older one still running.
 */
import * as vscode from 'vscode';
import { DEFAULT_RECOMMEND_K, isRecommendWebviewMessage, type RecommendRunChoice, type RecommendSavedState, type RecommendShowMessage, type RecommendWebviewMessage } from '../../shared/recommendProtocol';
import { makeNonce, RECOMMEND_MEDIA, renderRecommendHtml } from './html';
import { parseRecommendOutput, type RunUser } from './recommendProcess';

export const RECOMMEND_VIEW_TYPE = 'twoTowerLab.recommend';

const webviewOptions = (context: vscode.ExtensionContext): vscode.WebviewOptions => ({ enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'media')] });
const RECOMMEND_TITLE = 'Two-Tower Lab: recommendations';
const panelTitle = (user: string, runId: string): string => `${RECOMMEND_TITLE} · ${user} · ${runId}`;

/** What the panel needs from the extension: the trainer, the runs, the users and the user pick. */
export interface RecommendPanelDeps {
  /** The runs of the same experiment the panel can switch to (`runId` among them). */
  runsLike(runId: string): RecommendRunChoice[];
  /** `recommend --format jsonl` for this run and user; resolves with its stdout, rejects with what went wrong and what to do. */
  recommend(runId: string, user: string, exact: boolean, k: number): Promise<string>;
  /** The run's users (`recommend --list-users`, cached). */
  usersOf(runId: string): Promise<RunUser[]>;
  /** The user pick for this run; undefined when dismissed. */
  pickUser(runId: string): Promise<string | undefined>;
  onError(what: string, err: unknown): void;
}

/** What the panel shows now, with the rows as the webview last reported drawing them (the API and the host test read it). */
export interface RecommendShown {
  readonly runId: string;
  readonly user: string;
  readonly exact: boolean;
  readonly loading: boolean;
  readonly error?: string;
  /** The run ids the panel's run switch offers (the experiment's completed runs). */
  readonly runs: readonly string[];
  readonly rendered?: Extract<RecommendWebviewMessage, { type: 'rendered' }>;
}

export class RecommendPanel {
  static current: RecommendPanel | undefined;
  private static readonly didChange = new vscode.EventEmitter<void>();
  /** Fires after the panel's state changed or the webview drew a table. */
  static readonly onDidChange = RecommendPanel.didChange.event;

  private state: RecommendShowMessage;
  private rendered: RecommendShown['rendered'];
  private ready = false;
  /** Bumped by each question; an answer to an older one is dropped. */
  private question = 0;
  private readonly disposables: vscode.Disposable[] = [];

  /** Shows the panel (creating it if needed) and asks for `user`'s top K from `runId`. */
  static show(context: vscode.ExtensionContext, deps: RecommendPanelDeps, runId: string, user: string, options: { exact?: boolean; k?: number } = {}): RecommendPanel {
    const column = vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One;
    if (!RecommendPanel.current) {
      const panel = vscode.window.createWebviewPanel(RECOMMEND_VIEW_TYPE, RECOMMEND_TITLE, column, webviewOptions(context));
      RecommendPanel.current = new RecommendPanel(panel, context, deps);
    } else {
      RecommendPanel.current.panel.reveal(column);
    }
    const current = RecommendPanel.current;
    if (options.k !== undefined) current.k = options.k;
    void current.ask(runId, user, options.exact ?? current.state.exact);
    return current;
  }

  /**
   * Takes over a panel VS Code restored after a reload and asks its saved question again, once the runs
   * folders have been read (`ready`): right after a reload the run may not be known yet.
   */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, deps: RecommendPanelDeps, saved: RecommendSavedState, ready: Promise<unknown>): RecommendPanel {
    RecommendPanel.current?.dispose();
    panel.webview.options = webviewOptions(context);
    const current = new RecommendPanel(panel, context, deps);
    RecommendPanel.current = current;
    current.k = saved.k;
    current.state = { ...current.state, runId: saved.runId, user: saved.user, exact: saved.exact, k: saved.k };
    current.panel.title = panelTitle(saved.user, saved.runId);
    // Asked whether or not the runs could be read: the answer then says what is wrong.
    void ready.catch(() => undefined).then(() => current.ask(saved.runId, saved.user, saved.exact));
    return current;
  }

  /** How many items each question asks for (the command's `k`, else the default). */
  private k = DEFAULT_RECOMMEND_K;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly deps: RecommendPanelDeps,
  ) {
    this.state = { type: 'show', runs: [], runId: '', user: '', exact: false, k: this.k, loading: true };
    const webview = panel.webview;
    const media = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'media', file)).toString();
    webview.html = renderRecommendHtml({ cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: media(RECOMMEND_MEDIA.script), styleUris: RECOMMEND_MEDIA.styles.map(media) });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((message: unknown) => {
        if (isRecommendWebviewMessage(message)) void this.onMessage(message).catch((err: unknown) => deps.onError('The recommendations panel failed', err));
      }),
    );
  }

  shown(): RecommendShown {
    const { runId, user, exact, loading, error, runs } = this.state;
    return { runId, user, exact, loading, error, runs: runs.map((r) => r.runId), rendered: this.rendered };
  }

  private async onMessage(message: RecommendWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        return this.post();
      case 'setExact':
        return this.ask(this.state.runId, this.state.user, message.exact);
      case 'setRun':
        return this.ask(message.runId, this.state.user, this.state.exact);
      case 'pickUser': {
        const user = await this.deps.pickUser(this.state.runId);
        if (user !== undefined) await this.ask(this.state.runId, user, this.state.exact);
        return;
      }
      case 'rendered':
        this.rendered = message;
        RecommendPanel.didChange.fire();
        return;
    }
  }

  /** Asks the trainer for the top K; the webview shows "loading" until the answer, then the table or the error. */
  private async ask(runId: string, user: string, exact: boolean): Promise<void> {
    const question = ++this.question;
    const k = this.k;
    this.rendered = undefined;
    this.state = { type: 'show', runs: this.deps.runsLike(runId), runId, user, exact, k, loading: true };
    this.panel.title = panelTitle(user, runId);
    this.post();
    let next: RecommendShowMessage;
    try {
      const [stdout, users] = await Promise.all([this.deps.recommend(runId, user, exact, k), this.deps.usersOf(runId)]);
      const { columns, rows } = parseRecommendOutput(stdout);
      const info = users.find((u) => u.user === user);
      next = { ...this.state, loading: false, table: { runId, user, trainPositives: info?.trainPositives ?? 0, heldOut: info?.heldOut ?? 0, k, exact, columns, rows } };
    } catch (err) {
      next = { ...this.state, loading: false, error: `Run ${runId} could not recommend for user ${user}: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (question !== this.question) return;
    this.state = next;
    this.post();
  }

  private post(): void {
    RecommendPanel.didChange.fire();
    if (this.ready) void this.panel.webview.postMessage(this.state);
  }

  dispose(): void {
    if (RecommendPanel.current === this) RecommendPanel.current = undefined;
    this.question++;
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
    RecommendPanel.didChange.fire();
  }
}
