/**
 * What `activate()` returns. Other extensions may use it; the extension-host tests use it to assert
 * on the tree and the runs without scraping the UI, and to wait on events instead of sleeping.
 */
import type * as vscode from 'vscode';
import type { RunSummary } from '../core/runs/runSummary';
import type { RecommendShown } from './recommend/RecommendPanel';
import type { ProgressNotification } from './runs/progress';
import type { NoticeShown, PickAnswer, PickShown } from './ui';
import type { ComparisonsMessage } from '../shared/webviewProtocol';

export type { NoticeShown, PickAnswer, PickShown, ProgressNotification, RecommendShown };

/** A run as the extension knows it. */
export interface RunSnapshot {
  readonly runId: string;
  /** Absolute path of the run folder. */
  readonly dir: string;
  /** The experiment file the run belongs to, when known. */
  readonly experiment?: string;
  readonly summary: RunSummary;
}

/** A tree item as the Experiments view shows it. */
export interface TreeItemSnapshot {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly contextValue: string;
  /** Codicon id of the icon (runs), e.g. `sync~spin`, `pass`. */
  readonly icon?: string;
  readonly tooltip: string;
}

export interface TwoTowerLabApi {
  readonly experiments: {
    /** Absolute paths of the experiment files the tree lists, in tree order. */
    list(): string[];
    /** Fires after the tree changed. */
    readonly onDidChange: vscode.Event<void>;
    /** Resolves after the initial workspace scan. */
    readonly ready: Promise<void>;
    /** The children the tree shows under an experiment file (its runs, newest first). */
    treeItems(experiment: string): TreeItemSnapshot[];
  };
  readonly runs: {
    /** Resolves after the runs folders were read once (and live runs re-attached). */
    readonly ready: Promise<void>;
    /** Fires with a run id whenever that run changed (queued, progressed, ended, deleted). */
    readonly onDidChange: vscode.Event<string>;
    /** Fires with the message each time a run is refused (invalid config, untrusted workspace). */
    readonly onDidRefuse: vscode.Event<string>;
    get(runId: string): RunSnapshot | undefined;
    list(): RunSnapshot[];
    /** Resolves with the final summary when a run this window follows has ended. */
    whenEnded(runId: string): Promise<RunSummary> | undefined;
    /** The runs folder used for an experiment file (from the twoTowerLab.runsDirectory setting). */
    runsDirOf(experiment: string): string;
    /** Treats the workspace as untrusted (runs refused) until disposed; it never grants trust. */
    restrictTrust(): vscode.Disposable;
  };
  readonly progress: {
    /** The training status bar item's text while shown (e.g. "$(sync~spin) epoch 3/10 · loss 4.31 · 22k ex/s"), else undefined. */
    statusText(): string | undefined;
    /** The cancellable progress notifications this window shows, one per followed run. */
    notifications(): ProgressNotification[];
    /** Fires after the status bar text or the notifications changed. */
    readonly onDidChange: vscode.Event<void>;
  };
  readonly plots: {
    /** Run ids the open plots panel shows (empty when none is open). */
    shownRunIds(): string[];
    /** The experiment file whose runs the open panel follows; undefined when its runs are pinned or no panel is open. */
    followedExperiment(): string | undefined;
    /** The runs table's comparisons with the reference run the open panel last sent (undefined: none yet, or no panel). */
    comparisons(): ComparisonsMessage | undefined;
    /** Fires after the panel sent new comparisons. */
    readonly onDidCompare: vscode.Event<ComparisonsMessage>;
  };
  readonly recommend: {
    /**
     * What the open "Recommend for a User…" panel shows (undefined when none is open): the run, user and
     * search asked for, whether the trainer is still answering, its error, and the table's rows as the
     * webview reported drawing them (item ids and each row's cell texts).
     */
    shown(): RecommendShown | undefined;
    /** Fires after the panel's state changed or the webview drew a table. */
    readonly onDidChange: vscode.Event<void>;
  };
  readonly ui: {
    /** Fires with what each single-choice quick pick of the extension offers (e.g. the Run command's mode/loss pick). */
    readonly onDidShowPick: vscode.Event<PickShown>;
    /** Fires with each information, warning or error message the extension shows (e.g. "Run … completed"). */
    readonly onDidNotify: vscode.Event<NoticeShown>;
    /** The next single-choice quick pick is answered by `answer` instead of the user (automation, tests); dispose to withdraw it if unused. */
    answerNextPick(answer: PickAnswer): vscode.Disposable;
  };
  /** Milliseconds activate() took in this window (measured inside activate). */
  readonly activationMs: number;
}
