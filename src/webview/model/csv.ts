/** The data behind a chart as CSV: one row per x, one column per series, empty where a series has no point. */
export interface CsvTable {
  xLabel: string;
  x: ArrayLike<number>;
  columns: { label: string; values: ArrayLike<number | null> }[];
}

function quote(field: string): string {
  return /[",\n\r]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

export function toCsv(table: CsvTable): string {
  const lines = [[table.xLabel, ...table.columns.map((c) => c.label)].map(quote).join(',')];
  for (let i = 0; i < table.x.length; i++) {
    const row = [String(table.x[i])];
    for (const c of table.columns) {
      const v = c.values[i];
      row.push(v === null || v === undefined || !Number.isFinite(v) ? '' : String(v));
    }
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}
