/**
 * Messages between the extension host (src/extension/plots) and the plots webview (src/webview).
 * Both sides import this module; docs/protocol.md ("Extension ↔ webview") says who sends what, and when.
 * The webview sends `initialized` first; the host holds every message until then.
 */
import type { RunChunk } from './runColumns';

/**
 * Bumped whenever a message changes shape in a way an old webview (restored from state) would misread.
 * 2: runs travel as columns (`RunChunk`, typed arrays of new points) instead of event objects; a state
 * saved by version 1 is read as it is (readViewState).
 */
export const WEBVIEW_PROTOCOL_VERSION = 2;

/** Identifies one run shown in the panel; kept in the webview state so the host can re-read it on revive. */
export interface RunRef {
  runId: string;
  /** Absolute path of `.two-tower-lab/runs/<run-id>/`. */
  runDir: string;
  /** Short name shown in legends and the table (defaults to the run id). */
  label?: string;
}

/** Host → webview: the runs to show, each whole (a chunk from point 0). `replace` drops runs not listed. */
export interface ShowRunsMessage {
  type: 'showRuns';
  runs: { ref: RunRef; data: RunChunk }[];
  replace: boolean;
}

/**
 * Host → webview: the points live runs' `events.jsonl` added (or replaced, after a resume) since the last
 * message; the host gathers all runs' new points into one message per 50 ms at most.
 */
export interface AppendRunDataMessage {
  type: 'appendRunData';
  runs: { runId: string; data: RunChunk }[];
}

/** Host → webview: a run's folder was deleted or is no longer to be shown. */
export interface RemoveRunMessage {
  type: 'removeRun';
  runId: string;
}

/** Host → webview: the outcome of an export the webview asked for (saved path, cancelled, or the error). */
export interface ExportResultMessage {
  type: 'exportResult';
  format: 'png' | 'csv';
  outcome: 'saved' | 'cancelled' | 'failed';
  /** The saved file, or what went wrong. */
  detail?: string;
}

/**
 * Host → webview: the layout last used in this workspace (kept in its workspace state), sent after each
 * `initialized`; a webview that restored a state of its own keeps that, a new panel takes this one.
 */
export interface RestoreLayoutMessage {
  type: 'restoreLayout';
  layout: PlotsLayout;
}

/** A metric's difference run − reference with its 95% paired bootstrap interval over the test users (as `two-tower-lab compare`). */
export interface MetricDifference {
  difference: number;
  low: number;
  high: number;
  /** The whole interval is on one side of zero: the difference is unlikely to be noise of the test users. */
  excludesZero: boolean;
}

/** The model of a run that is compared: its best epoch when it kept one, else its last evaluation. */
export interface ComparedModel {
  which: 'best' | 'last';
  epoch: number;
}

/**
 * One shown run against the reference: `reference` (the run itself), `compared` (per-user metric →
 * difference), `notComparable` (another split or other test users: `reason` says what differs), or
 * `unavailable` (no evaluated model or no per-user values yet, on either side: `reason` says what to do).
 */
export type RunComparison =
  | { runId: string; status: 'reference'; model: ComparedModel; users: number }
  | { runId: string; status: 'compared'; model: ComparedModel; users: number; metrics: Record<string, MetricDifference> }
  | { runId: string; status: 'notComparable' | 'unavailable'; reason: string };

/**
 * Host → webview: every shown run against the reference run (the one the user chose, else the first
 * shown), sent after the runs are shown and again whenever a run's kept model changes (a new eval and
 * checkpoint, a run ended, runs added or removed, another reference chosen). Only with two runs or more.
 */
export interface ComparisonsMessage {
  type: 'comparisons';
  referenceRunId: string;
  resamples: number;
  seed: number;
  runs: RunComparison[];
}

/**
 * Host → webview: the experiment whose runs the panel follows (new runs join as they start), or null when
 * its runs are pinned. The webview keeps it in its saved state, so a panel restored after a reload
 * follows the same experiment again.
 */
export interface FollowingMessage {
  type: 'following';
  experiment: string | null;
}

export type HostToWebviewMessage = ShowRunsMessage | AppendRunDataMessage | RemoveRunMessage | ExportResultMessage | RestoreLayoutMessage | ComparisonsMessage | FollowingMessage;

/** Webview → host: the webview's script has loaded and listens; sent once, before anything else. */
export interface InitializedMessage {
  type: 'initialized';
  protocolVersion: number;
  /** The reference run of the runs table restored with the webview's state, when the user had chosen one. */
  referenceRunId?: string;
}

/** Webview → host: compare the runs with this one (null: with the first run shown). */
export interface ChooseReferenceMessage {
  type: 'chooseReference';
  runId: string | null;
}

/** Webview → host: save this chart image; the host asks where (a save dialog) and writes the PNG. */
export interface ExportPngMessage {
  type: 'exportPng';
  /** Which chart, e.g. `loss` or `eval:recall@10`; also the suggested file name. */
  chart: string;
  /** `data:image/png;base64,...` from canvas.toDataURL. */
  dataUrl: string;
}

/** Webview → host: save the data of this chart as CSV; the host asks where and writes it. */
export interface ExportCsvMessage {
  type: 'exportCsv';
  chart: string;
  csv: string;
}

/** Webview → host: the user selected these runs in the table (the host may reveal them in the tree). */
export interface SelectRunsMessage {
  type: 'selectRuns';
  runIds: string[];
}

/** Webview → host: something failed inside the webview; the host logs it and shows it to the user. */
export interface WebviewErrorMessage {
  type: 'webviewError';
  message: string;
}

/** Webview → host: the user changed the layout; the host keeps it for the workspace's next plots panel. */
export interface SaveLayoutMessage {
  type: 'saveLayout';
  layout: PlotsLayout;
}

export type WebviewToHostMessage = InitializedMessage | ChooseReferenceMessage | ExportPngMessage | ExportCsvMessage | SelectRunsMessage | WebviewErrorMessage | SaveLayoutMessage;

/** What the webview saves with setState, and what the serializer hands back to the host on revive. */
export interface PlotsViewState {
  protocolVersion: number;
  runs: RunRef[];
  /** EMA weight of the loss smoothing slider, 0 (off) .. 0.99. */
  smoothing: number;
  logScale: boolean;
  xAxis: XAxisKind;
  /** Runs picked in the table; their curves are emphasised and others dimmed. Empty = all equal. */
  selectedRunIds: string[];
  /** Runs toggled off in the legends. */
  hiddenRunIds: string[];
  sort: { column: string; descending: boolean } | null;
  /** Layout: sections the user collapsed (`loss`, `retrieval`, `headTail`, `sampling`, `system`). */
  collapsedSections: string[];
  /** Layout: the K each metric family's chart shows (`recall` → 50); families not listed show their smallest K. */
  chosenK: Record<string, number>;
  /** The run the table compares the others with, when the user chose one (null: the first run shown). */
  referenceRunId: string | null;
  /** Layout: the runs table shows every parameter and every metric's final and best value, not only the differing parameters and headline metrics. */
  allColumns: boolean;
  /** The experiment file whose runs the panel follows (FollowingMessage); null when pinned. */
  followedExperiment: string | null;
}

export type XAxisKind = 'step' | 'epoch' | 'time';

/** The part of the view state that is the panel's layout, remembered per workspace. */
export type PlotsLayout = Pick<PlotsViewState, 'collapsedSections' | 'chosenK' | 'allColumns'>;

export const LAYOUT_KEYS = ['collapsedSections', 'chosenK', 'allColumns'] as const satisfies readonly (keyof PlotsLayout)[];

/** The layout of a (saved) state, read defensively like the state itself. */
export function readLayout(value: unknown): PlotsLayout {
  const state = readViewState(value);
  return { collapsedSections: state.collapsedSections, chosenK: state.chosenK, allColumns: state.allColumns };
}

const MESSAGE_TYPES_FROM_WEBVIEW = new Set<string>(['initialized', 'chooseReference', 'exportPng', 'exportCsv', 'selectRuns', 'webviewError', 'saveLayout']);

/** Narrowing guard for what arrives in `onDidReceiveMessage` (typed `any` by VS Code). */
export function isWebviewToHostMessage(value: unknown): value is WebviewToHostMessage {
  return typeof value === 'object' && value !== null && MESSAGE_TYPES_FROM_WEBVIEW.has(String((value as { type?: unknown }).type));
}

const MESSAGE_TYPES_TO_WEBVIEW = new Set<string>(['showRuns', 'appendRunData', 'removeRun', 'exportResult', 'restoreLayout', 'comparisons', 'following']);

/** Narrowing guard for what arrives in the webview's `message` event. */
export function isHostToWebviewMessage(value: unknown): value is HostToWebviewMessage {
  return typeof value === 'object' && value !== null && MESSAGE_TYPES_TO_WEBVIEW.has(String((value as { type?: unknown }).type));
}

/** Reads a saved view state defensively: state from an older version or a damaged one falls back to defaults. */
export function readViewState(value: unknown): PlotsViewState {
  const defaults: PlotsViewState = {
    protocolVersion: WEBVIEW_PROTOCOL_VERSION,
    runs: [],
    smoothing: 0.6,
    logScale: false,
    xAxis: 'step',
    selectedRunIds: [],
    hiddenRunIds: [],
    sort: null,
    referenceRunId: null,
    collapsedSections: [],
    chosenK: {},
    allColumns: false,
    followedExperiment: null,
  };
  if (typeof value !== 'object' || value === null) return defaults;
  const v = value as Partial<Record<keyof PlotsViewState, unknown>>;
  const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
  const runs = Array.isArray(v.runs)
    ? v.runs.filter((r): r is RunRef => typeof r === 'object' && r !== null && typeof (r as RunRef).runId === 'string' && typeof (r as RunRef).runDir === 'string')
    : [];
  const sort = v.sort as PlotsViewState['sort'] | undefined;
  return {
    protocolVersion: WEBVIEW_PROTOCOL_VERSION,
    runs,
    smoothing: typeof v.smoothing === 'number' && v.smoothing >= 0 && v.smoothing < 1 ? v.smoothing : defaults.smoothing,
    logScale: v.logScale === true,
    xAxis: v.xAxis === 'epoch' || v.xAxis === 'time' ? v.xAxis : 'step',
    selectedRunIds: strings(v.selectedRunIds),
    hiddenRunIds: strings(v.hiddenRunIds),
    sort: sort && typeof sort.column === 'string' ? { column: sort.column, descending: sort.descending === true } : null,
    referenceRunId: typeof v.referenceRunId === 'string' ? v.referenceRunId : null,
    // Absent in a version-1 state: the default layout.
    collapsedSections: strings(v.collapsedSections),
    chosenK: typeof v.chosenK === 'object' && v.chosenK !== null ? Object.fromEntries(Object.entries(v.chosenK).filter((e): e is [string, number] => Number.isInteger(e[1]) && (e[1] as number) > 0)) : {},
    allColumns: v.allColumns === true,
    followedExperiment: typeof v.followedExperiment === 'string' && v.followedExperiment !== '' ? v.followedExperiment : null,
  };
}
