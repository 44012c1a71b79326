/**
 * Draws the "Recommend for a User…" page from the host's `show` message: a toolbar (run, user, exact /
 * ANN), the user's summary, and the top-K table with the marks, the score, the popularity rank and the
 * item table's columns. Plain DOM, rebuilt whole on each message (K rows: small).
 */
import type { RecommendShowMessage, RecommendTable, RecommendWebviewMessage } from '../shared/recommendProtocol';

type Post = (message: RecommendWebviewMessage) => void;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function renderRecommend(root: HTMLElement, message: RecommendShowMessage, post: Post): void {
  root.replaceChildren(toolbar(message, post), ...body(message));
}

function toolbar(m: RecommendShowMessage, post: Post): HTMLElement {
  const runSelect = el('select', { id: 'run', 'aria-label': 'Run', title: 'Another run of the experiment, for the same user' });
  for (const run of m.runs) runSelect.append(el('option', run.runId === m.runId ? { value: run.runId, selected: '' } : { value: run.runId }, run.label));
  runSelect.disabled = m.loading;
  runSelect.addEventListener('change', () => post({ type: 'setRun', runId: runSelect.value }));

  const another = el('button', { id: 'another-user', type: 'button' }, 'Another user…');
  another.disabled = m.loading;
  another.addEventListener('click', () => post({ type: 'pickUser' }));

  const search = el('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'Search' });
  for (const [exact, label, title] of [
    [false, 'ANN index', 'The run\'s usearch index (serving: parameters), as a serving system answers'],
    [true, 'Exact', 'Exact search over every item'],
  ] as const) {
    const button = el('button', { type: 'button', role: 'radio', 'aria-checked': String(m.exact === exact), 'data-exact': String(exact), title }, label);
    button.disabled = m.loading;
    if (m.exact !== exact) button.addEventListener('click', () => post({ type: 'setExact', exact }));
    search.append(button);
  }
  return el('div', { class: 'toolbar' }, el('label', {}, 'Run ', runSelect), el('span', { class: 'user' }, 'User ', el('strong', { id: 'user' }, m.user)), another, search);
}

function body(m: RecommendShowMessage): HTMLElement[] {
  if (m.error) return [el('div', { class: 'error', role: 'alert', id: 'error' }, m.error)];
  if (m.loading || !m.table) return [el('div', { class: 'loading', id: 'loading' }, `Asking run ${m.runId} for the top items of user ${m.user}…`)];
  return [summary(m.table), table(m.table)];
}

function summary(t: RecommendTable): HTMLElement {
  const hits = t.rows.filter((r) => r.heldOut).length;
  const seen = t.rows.filter((r) => r.seen).length;
  return el(
    'p',
    { class: 'summary', id: 'summary' },
    `User ${t.user}: ${t.trainPositives} training positives, ${t.heldOut} held out — ${hits} of them in this top ${t.rows.length}, and ${seen} items it saw in training. `,
    `Run ${t.runId}, ${t.exact ? 'exact search' : 'ANN index'}.`,
  );
}

function table(t: RecommendTable): HTMLElement {
  const numeric = (title: string, text: string): HTMLElement => el('th', { class: 'num', title }, text);
  const head = el(
    'tr',
    {},
    numeric('Place in the top K', '#'),
    el('th', {}, 'item'),
    el('th', { title: 'seen: a training positive of the user; held-out: a held-out positive (what evaluation hopes to find)' }, 'marks'),
    numeric('The model\'s score (as it serves)', 'score'),
    numeric('Popularity rank: 1 = the item with the most training positives', 'popularity'),
    ...t.columns.map((c) => el('th', {}, c)),
  );
  const rows = t.rows.map((r) => {
    const marks = el('td', { class: 'marks' });
    if (r.seen) marks.append(el('span', { class: 'mark seen', title: 'A training positive of the user' }, 'seen'));
    if (r.heldOut) marks.append(el('span', { class: 'mark held-out', title: 'A held-out positive of the user: what evaluation hopes to find' }, 'held-out'));
    const cls = [r.seen ? 'seen' : '', r.heldOut ? 'held-out' : ''].filter((c) => c !== '').join(' ');
    return el(
      'tr',
      { 'data-item': r.item, class: cls },
      el('td', { class: 'num' }, String(r.rank)),
      el('td', { class: 'item' }, r.item),
      marks,
      el('td', { class: 'num' }, r.score.toFixed(4)),
      el('td', { class: 'num', title: '1 = the item with the most training positives' }, String(r.popularityRank)),
      ...r.cells.map((c) => el('td', { title: c }, c)),
    );
  });
  return el('table', { id: 'recommendations' }, el('thead', {}, head), el('tbody', {}, ...rows));
}

/** What the page shows, read back from the DOM: the `rendered` report the host (and its test) reads. */
export function renderedReport(root: HTMLElement, m: RecommendShowMessage): RecommendWebviewMessage | undefined {
  const rows = [...root.querySelectorAll<HTMLTableRowElement>('#recommendations tbody tr')];
  if (!m.table) return undefined;
  return { type: 'rendered', runId: m.table.runId, user: m.table.user, exact: m.table.exact, items: rows.map((r) => r.dataset.item ?? ''), cells: rows.map((r) => [...r.cells].map((c) => c.textContent ?? '')) };
}
