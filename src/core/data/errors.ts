/**
 * The one error class of the data layer. Every message says what is wrong, where (the file, and the
 * row or column when there is one) and what to do, because it ends up in the `ended` event and in
 * the editor, read by a person who did not write the loader.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  /** Absolute path of the file at fault (or `<synthetic>` for generated data). */
  readonly file: string;
  /** 1-based line of the file at fault, when one row is at fault. */
  readonly row?: number;
  /** The column at fault, when one column is at fault. */
  readonly column?: string;

  constructor(message: string, where: { file: string; row?: number; column?: string }) {
    super(message);
    this.file = where.file;
    this.row = where.row;
    this.column = where.column;
  }
}

/** Levenshtein distance, for "did you mean" suggestions of column names. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(up + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The candidate closest to `name` (case-insensitive edit distance), or undefined when none is close. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  // A suggestion further than half the name away is noise, not help.
  return bestDistance <= Math.max(2, Math.ceil(name.length / 2)) ? best : undefined;
}

/** The error for a column the configuration names but the file lacks. */
export function missingColumnError(file: string, column: string, role: string, available: readonly string[], configKey: string): DataError {
  const suggestion = closestName(column, available);
  const hint = suggestion ? `Did you mean '${suggestion}'? ` : '';
  return new DataError(
    `${file}: no column '${column}' (${role}). The file's columns are: ${available.map((c) => `'${c}'`).join(', ')}. ${hint}Set ${configKey} to one of them.`,
    { file, column },
  );
}
