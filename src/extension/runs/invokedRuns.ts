/**
 * Which runs a run command was invoked on. VS Code calls a tree item's context-menu command with
 * (clicked item, all selected items), but a view-title button and a keybinding with the focused item
 * alone (or nothing): a title-bar "Compare Selected Runs" must still take the whole multi-selection.
 */

/** A tree node that stands for a run. */
export interface RunLike {
  kind: 'run';
  runId: string;
}

export function isRunLike(n: unknown): n is RunLike {
  return typeof n === 'object' && n !== null && (n as { kind?: unknown }).kind === 'run' && typeof (n as { runId?: unknown }).runId === 'string';
}

/**
 * The run ids meant by a command's arguments: the selected items when VS Code passed them; else the
 * tree's selection when the one item passed is part of it (a title button passes the focused item);
 * else that one item; else the selection. A string argument is a run id (API and tests).
 */
export function invokedRunIds(node: unknown, nodes: unknown, selection: readonly unknown[]): string[] {
  const idOf = (n: unknown) => (typeof n === 'string' ? n : isRunLike(n) ? n.runId : undefined);
  const selected = selection.map(idOf).filter((id): id is string => id !== undefined);
  if (Array.isArray(nodes) && nodes.length > 0) return nodes.map(idOf).filter((id): id is string => id !== undefined);
  if (node === undefined) return selected;
  const id = idOf(node);
  if (id === undefined) return [];
  return selected.includes(id) ? selected : [id];
}
