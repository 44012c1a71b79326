/** Lines of several trainers' output in one channel, told apart by their run id. Pure: no `vscode`. */

/**
 * Splits a run's output into whole lines prefixed `[run-id] `; a line cut between two chunks waits for its end.
 * Returns the text to append and the unfinished rest.
 */
export function prefixLines(runId: string, pending: string, text: string): { out: string; rest: string } {
  const lines = (pending + text).split('\n');
  const rest = lines.pop() ?? '';
  return { out: lines.map((line) => `[${runId}] ${line}\n`).join(''), rest };
}
