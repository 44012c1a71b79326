/**
 * Messages between the "Recommend for a User…" panel host (src/extension/recommend) and its webview
 * (src/recommendView). The webview sends `ready` first, and again after a reload; the host answers with
 * the latest `show`. The rows are `two-tower-lab recommend --format jsonl` lines as the host read them.
 */

/** One recommended item: its place in the top K, the score, the marks, its popularity rank and the item table's cells. */
export interface RecommendRow {
  rank: number;
  item: string;
  score: number;
  /** A training positive of the user. */
  seen: boolean;
  /** A held-out positive of the user: what evaluation hopes to find. */
  heldOut: boolean;
  /** 1 = the item with the most training positives (ties share a rank). */
  popularityRank: number;
  /** The item feature table's columns, in `RecommendTable.columns` order ('' when the item has no row). */
  cells: string[];
}

/** A run the panel can switch to (the runs of the same experiment that have a model). */
export interface RecommendRunChoice {
  runId: string;
  label: string;
}

/** What the panel shows: one user's top K from one run. */
export interface RecommendTable {
  runId: string;
  user: string;
  /** The user's training and held-out positives, from `recommend --list-users`. */
  trainPositives: number;
  heldOut: number;
  k: number;
  /** Exact search over every item, else the run's ANN index. */
  exact: boolean;
  columns: string[];
  rows: RecommendRow[];
}

/** Host → webview: the state to draw. `loading` while a trainer process computes; `error` with what to do. */
export interface RecommendShowMessage {
  type: 'show';
  runs: RecommendRunChoice[];
  /** The run and search asked for (also while loading or after an error). */
  runId: string;
  user: string;
  exact: boolean;
  /** Items asked for. */
  k: number;
  loading: boolean;
  table?: RecommendTable;
  error?: string;
}

export type RecommendHostMessage = RecommendShowMessage;

export type RecommendWebviewMessage =
  | { type: 'ready' }
  /** The exact / ANN toggle. */
  | { type: 'setExact'; exact: boolean }
  /** Another run of the experiment, for the same user. */
  | { type: 'setRun'; runId: string }
  /** "Another user…": the host shows the user pick again. */
  | { type: 'pickUser' }
  /** After drawing a table: the run, user, search and the item ids of its rows as drawn (the host test reads them). */
  | { type: 'rendered'; runId: string; user: string; exact: boolean; items: string[]; cells: string[][] };

export function isRecommendWebviewMessage(value: unknown): value is RecommendWebviewMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; exact?: unknown; runId?: unknown; user?: unknown; items?: unknown; cells?: unknown };
  switch (m.type) {
    case 'ready':
    case 'pickUser':
      return true;
    case 'setExact':
      return typeof m.exact === 'boolean';
    case 'setRun':
      return typeof m.runId === 'string';
    case 'rendered':
      return typeof m.runId === 'string' && typeof m.user === 'string' && typeof m.exact === 'boolean' && Array.isArray(m.items) && Array.isArray(m.cells);
    default:
      return false;
  }
}

/** Items a recommendation asks for when no `-k` / `k` is given (the CLI, the editor's panel, a restored panel). */
export const DEFAULT_RECOMMEND_K = 20;

/** What the webview saves (setState): the question it shows, which a panel restored after a reload asks again. */
export interface RecommendSavedState {
  runId: string;
  user: string;
  exact: boolean;
  k: number;
}

/** The saved question, read defensively (undefined for damaged or foreign state: the restored panel closes). */
export function readRecommendState(value: unknown): RecommendSavedState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<Record<keyof RecommendSavedState, unknown>>;
  if (typeof v.runId !== 'string' || v.runId === '' || typeof v.user !== 'string' || v.user === '') return undefined;
  const k = typeof v.k === 'number' && Number.isInteger(v.k) && v.k > 0 ? v.k : DEFAULT_RECOMMEND_K;
  return { runId: v.runId, user: v.user, exact: v.exact === true, k };
}
