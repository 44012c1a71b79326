/** The runs table as DOM: a sortable header, rows that select their runs' curves when clicked, and the popularity baseline as a footer row. */
import { runColour } from '../model/colors';
import { formatCell, sortRows, type RunsTable } from '../model/runsTable';

export interface TableViewOptions {
  sort: { column: string; descending: boolean } | null;
  selected: Set<string>;
  onSort(column: string): void;
  onToggleRow(runId: string, additive: boolean): void;
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
    th.title = 'Sort by this column';
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
  host.replaceChildren(element);
}
