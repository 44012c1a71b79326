/** Reading what a trainer child process printed (`doctor --json`, `data --json`). Pure: no `vscode`. */

/** The last line of `stdout` that parses as JSON and passes `is`: the answer, after any warnings printed before it. */
export function lastJsonLine<T>(stdout: string, is: (value: Partial<T>) => boolean): T | undefined {
  for (const line of stdout.trim().split('\n').reverse()) {
    try {
      const value = JSON.parse(line) as Partial<T>;
      if (value && typeof value === 'object' && is(value)) return value as T;
    } catch {
      // Not the JSON line (a warning printed before it): keep looking.
    }
  }
  return undefined;
}
