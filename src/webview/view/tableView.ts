/**
 * The runs table as DOM: a sortable header, rows that select their runs' curves when clicked, the
 * popularity baseline as a footer row, and with the host's comparisons a `Δ metric` column per metric
 * (run − reference, its 95% paired bootstrap interval, `*` when it excludes zero), a button per row that
 * makes that run the reference, and a note under the table for each run that cannot be compared.
 */
import type { ComparisonsMessage, RunComparison } from '../../shared/webviewProtocol';
import { runColour } from '../model/colors';
import { formatCell, formatDifference, sortRows, type RunsTable, type TableRow } from '../model/runsTable';

export interface TableViewOptions {
  sort: { column: string; descending: boolean } | null;
  selected: Set<string>;
  onSort(column: string): void;
  onToggleRow(runId: string, additive: boolean): void;
  /** The user made this run the reference of the comparisons. */
  onChooseReference(runId: string): void;
}

export function renderRunsTable(host: HTMLElement, table: RunsTable, options: TableViewOptions): void {
  const rows = options.sort ? sortRows(table.rows, options.sort.column, options.sort.descending) : table.rows;
  const element = document.createElement('table');
  element.className = 'runs-table';
  const head = element.createTHead().insertRow();
  for (const column of table.columns) {
    const th = document.createElement('th');
    th.textContent = column.label;
    th.dataset.column = column.key;
    th.className = `group-${column.group}`;
    th.title = column.group === 'delta' && table.comparisons ? deltaHeaderTitle(column.key.slice('delta:'.length), table.comparisons) : 'Sort by this column';
    if (options.sort?.column === column.key) {
      th.setAttribute('aria-sort', options.sort.descending ? 'descending' : 'ascending');
      th.textContent += options.sort.descending ? ' ▼' : ' ▲';
    }
    th.addEventListener('click', () => options.onSort(column.key));
    head.append(th);
  }
  const body = element.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    tr.dataset.runId = row.runId;
    if (options.selected.has(row.runId)) tr.classList.add('selected');
    tr.addEventListener('click', (event) => options.onToggleRow(row.runId, event.ctrlKey || event.metaKey || event.shiftKey));
    for (const column of table.columns) {
      const td = tr.insertCell();
      const value = row.cells[column.key] ?? null;
      if (column.key === 'run') {
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.backgroundColor = runColour(row.colourIndex);
        td.append(swatch, document.createTextNode(formatCell(value)));
        if (table.comparisons) td.append(referenceButton(row, table.comparisons, options));
      } else if (column.group === 'delta') {
        renderDelta(td, column.key.slice('delta:'.length), row.comparison);
      } else {
        td.textContent = formatCell(value);
        if (typeof value === 'number') td.className = 'num';
      }
    }
  }
  if (table.baseline) {
    // A reference row, not a run: kept apart from sorting and selection.
    const tr = element.createTFoot().insertRow();
    tr.className = 'baseline-row';
    tr.title = 'Recommends the most clicked items to everyone, on the same split: a run below it has learnt nothing useful';
    for (const column of table.columns) {
      const td = tr.insertCell();
      const value = table.baseline[column.key] ?? null;
      td.textContent = column.key === 'run' || value !== null ? formatCell(value) : '';
      if (typeof value === 'number') td.className = 'num';
    }
  }
  host.replaceChildren(element, ...(table.comparisons ? [comparisonNotes(table, table.comparisons)] : []));
}

function referenceButton(row: TableRow, comparisons: ComparisonsMessage, options: TableViewOptions): HTMLButtonElement {
  const button = document.createElement('button');
  const isReference = row.runId === comparisons.referenceRunId;
  button.className = 'reference-toggle';
  button.textContent = isReference ? 'reference' : 'ref';
  button.setAttribute('aria-pressed', String(isReference));
  button.title = isReference ? 'The other runs are compared with this run (Δ columns)' : 'Compare the other runs with this run';
  button.addEventListener('click', (event) => {
    // The row's own click selects curves; this one only moves the reference.
    event.stopPropagation();
    if (!isReference) options.onChooseReference(row.runId);
  });
  return button;
}

function renderDelta(td: HTMLTableCellElement, metric: string, comparison: RunComparison | undefined): void {
  td.classList.add('delta');
  if (comparison?.status === 'reference') {
    td.textContent = 'reference';
    td.classList.add('delta-reference');
    return;
  }
  const d = comparison?.status === 'compared' ? comparison.metrics[metric] : undefined;
  if (comparison?.status !== 'compared' || d === undefined) {
    td.textContent = comparison?.status === 'notComparable' ? 'other split' : '–';
    if (comparison && comparison.status !== 'compared') td.title = comparison.reason;
    return;
  }
  const f = formatDifference(d);
  const value = document.createElement('span');
  value.className = 'delta-value';
  value.textContent = `${f.difference}${f.mark ? ` ${f.mark}` : ''}`;
  const interval = document.createElement('span');
  interval.className = 'delta-interval';
  interval.textContent = f.interval;
  td.append(value, interval);
  td.classList.add('num');
  if (d.excludesZero) td.classList.add('excludes-zero');
  td.title = `${metric}: run − reference ${f.difference}, 95% interval ${f.interval} over ${comparison.users} test users (${comparison.model.which} epoch ${comparison.model.epoch}); ${
    d.excludesZero ? 'the interval excludes zero: unlikely to be noise of the test users' : 'the interval holds zero: within the noise of the test users'
  }`;
}

function deltaHeaderTitle(metric: string, c: ComparisonsMessage): string {
  return `${metric} of each run minus the reference's, at each run's kept model (best epoch when kept, else the last), with a 95% paired bootstrap interval over the test users (${c.resamples} resamples, seed ${c.seed}; as two-tower-lab compare). * the interval excludes zero. Click to sort.`;
}

/** Under the table: what the Δ columns are against, and why each run without them has none. */
function comparisonNotes(table: RunsTable, c: ComparisonsMessage): HTMLElement {
  const notes = document.createElement('div');
  notes.className = 'comparison-notes';
  const labelOf = (runId: string): string => String(table.rows.find((r) => r.runId === runId)?.cells.run ?? runId);
  const reference = c.runs.find((r) => r.runId === c.referenceRunId);
  const head = document.createElement('p');
  head.textContent =
    reference?.status === 'reference'
      ? `Δ: run − reference ${labelOf(c.referenceRunId)} (${reference.model.which} epoch ${reference.model.epoch}), 95% paired bootstrap interval over ${reference.users} test users, ${c.resamples} resamples, seed ${c.seed}; * the interval excludes zero.`
      : `Δ: run − reference ${labelOf(c.referenceRunId)}.`;
  notes.append(head);
  for (const r of c.runs) {
    if (r.status === 'compared' || r.status === 'reference') continue;
    const p = document.createElement('p');
    p.className = `comparison-note ${r.status}`;
    p.dataset.runId = r.runId;
    p.textContent = `${labelOf(r.runId)}: ${r.status === 'notComparable' ? 'cannot be compared. ' : ''}${r.reason}`;
    notes.append(p);
  }
  return notes;
}
