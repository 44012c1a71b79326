/**
 * Browser tests of the plots webview in headless Chromium: recorded trainer events, and a run the real
 * trainer writes in beforeAll, go in through the same messages the extension posts; the series drawn,
 * the axes as drawn (tick labels read off the canvas), zoom, hover legends, the table, exports, state
 * and CSP come out. Screenshots land in test-output/screenshots/ for a person to look at.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBVIEW_PROTOCOL_VERSION, type ExportCsvMessage, type ExportPngMessage, type PlotsViewState, type WebviewErrorMessage } from '../../src/shared/webviewProtocol';
import type { TrainerEvent } from '../../src/shared/events';
import {
  afterRedraw,
  afterRender,
  drawnAxes,
  ensureWebviewBundle,
  fitTicks,
  fixtureRuns,
  launchBrowser,
  openPanel,
  panelHtml,
  postAppend,
  postRuns,
  REAL_RUN_ID,
  SCREENSHOTS,
  startServer,
  trainRealRun,
  waitForPosted,
  type DrawnAxes,
  type FixtureRun,
  type PageServer,
} from './harness';

let browser: Browser;
let server: PageServer;
let runs: FixtureRun[];
/** A run the real trainer wrote in beforeAll (events.jsonl read as the panel host reads it). */
let real: FixtureRun;
let realRunsDir: string;

const byId = (id: string) => runs.find((r) => r.ref.runId.endsWith(id))!;
const stepsOf = (run: FixtureRun) => run.events.flatMap((e) => (e.type === 'step' ? [e] : []));
const evalsOf = (run: FixtureRun) => run.events.flatMap((e) => (e.type === 'eval' ? [e] : []));

beforeAll(async () => {
  await ensureWebviewBundle();
  mkdirSync(SCREENSHOTS, { recursive: true });
  runs = fixtureRuns();
  realRunsDir = mkdtempSync(join(tmpdir(), 'ttl-plots-runs-'));
  real = await trainRealRun(realRunsDir);
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (realRunsDir) rmSync(realRunsDir, { recursive: true, force: true });
});

async function panelWithRuns(selected: FixtureRun[], state?: Partial<PlotsViewState>): Promise<Page> {
  // Tall enough that every chart of the real run (17, with the ANN metrics) is in view, so every chart is
  // drawn (charts out of view are drawn when they scroll in) and screenshots need no scrolling.
  const page = await openPanel(browser, server, { state, height: 3400 });
  await waitForPosted(page, 'initialized');
  await postRuns(page, selected);
  return page;
}

/** The x range a chart shows, read from its drawn x tick labels: the values at the plot's left and right edges. */
function xRange(axes: DrawnAxes): { min: number; max: number; unitsPerPx: number; pxOf(value: number): number } {
  const fit = fitTicks(axes.x);
  expect(fit.worstMissPx, 'x tick labels lie on one line').toBeLessThanOrEqual(1);
  return {
    min: fit.valueAt(axes.plot.left),
    max: fit.valueAt(axes.plot.left + axes.plot.width),
    unitsPerPx: 1 / fit.pxPerUnit,
    pxOf: (value) => axes.plot.left + (value - fit.valueAt(axes.plot.left)) * fit.pxPerUnit,
  };
}

/** The chart shows x from `min` to `max`, within `px` pixels at either end. */
async function expectXRange(page: Page, chartId: string, min: number, max: number, px = 1): Promise<void> {
  const range = xRange(await drawnAxes(page, chartId));
  expect(Math.abs(range.min - min) / range.unitsPerPx, `${chartId}: x min ${range.min} ≈ ${min}`).toBeLessThanOrEqual(px);
  expect(Math.abs(range.max - max) / range.unitsPerPx, `${chartId}: x max ${range.max} ≈ ${max}`).toBeLessThanOrEqual(px);
}

/** The y values a chart draws (all its series). */
async function drawnYs(page: Page, chartId: string): Promise<number[]> {
  const chart = (await page.evaluate(() => window.__plots!.charts())).find((c) => c.id === chartId)!;
  return chart.series.flatMap((s) => s.y.filter((v): v is number => v !== null && Number.isFinite(v)));
}

/**
 * A linear y axis: labels with one increment between them, each at the height a straight line through
 * all of them puts it (within a pixel), and the axis spans every drawn value (to that pixel). (A 200 px chart of recall
 * may get only two labels; the loss gets three or more.)
 */
function expectLinearY(axes: DrawnAxes, ys: number[]): void {
  const values = axes.y.map((t) => t.value);
  expect(values.length, `y labels ${values.join(', ')}`).toBeGreaterThanOrEqual(2);
  const increments = values.slice(1).map((v, i) => v - values[i]);
  for (const d of increments) expect(d).toBeCloseTo(increments[0], 9);
  const fit = fitTicks(axes.y);
  expect(fit.worstMissPx, `y labels ${values.join(', ')} lie on a linear axis`).toBeLessThanOrEqual(1);
  // The fit places labels within a pixel, so the axis's ends are known to a pixel's worth of value.
  const onePx = Math.abs(fit.valueAt(axes.plot.top) - fit.valueAt(axes.plot.top + 1));
  expect(fit.valueAt(axes.plot.top + axes.plot.height)).toBeLessThanOrEqual(Math.min(...ys) + onePx);
  expect(fit.valueAt(axes.plot.top)).toBeGreaterThanOrEqual(Math.max(...ys) - onePx);
}

/**
 * A log10 y axis: the labels' heights follow log10 of their values (within a pixel) and, given three or
 * more labels, not the values themselves (a straight line through them misses by several pixels); two
 * labels are consecutive powers of ten, which no linear axis labels next to each other (its steps are
 * 1, 2, 2.5 or 5 × 10^k). The top of the axis is a power of ten, and the axis spans every drawn value.
 */
function expectLog10Y(axes: DrawnAxes, ys: number[]): void {
  const labels = axes.y.map((t) => t.label).join(', ');
  expect(axes.y.length, `y labels ${labels}`).toBeGreaterThanOrEqual(2);
  const log = fitTicks(axes.y, Math.log10);
  expect(log.worstMissPx, `y labels ${labels} lie on a log10 axis`).toBeLessThanOrEqual(1);
  if (axes.y.length >= 3) expect(fitTicks(axes.y).worstMissPx, `y labels ${labels} are not on a linear axis`).toBeGreaterThan(3);
  else expect(Math.log10(axes.y[1].value / axes.y[0].value), `y labels ${labels} are a decade apart`).toBeCloseTo(1, 9);
  const top = log.valueAt(axes.plot.top);
  expect(Math.abs(top - Math.round(top)) * Math.abs(log.pxPerUnit), `top of the axis 10^${top} is a power of ten`).toBeLessThanOrEqual(1);
  expect(10 ** log.valueAt(axes.plot.top + axes.plot.height)).toBeLessThanOrEqual(Math.min(...ys));
  expect(10 ** top).toBeGreaterThanOrEqual(Math.max(...ys));
}

/** The legend of a chart as shown: series label → value text (uPlot's live legend shows the values at the cursor). */
async function legendOf(page: Page, chartId: string): Promise<Record<string, string>> {
  return page.evaluate(
    (id) => Object.fromEntries([...document.querySelectorAll(`[data-chart-id="${id}"] .u-legend .u-series`)].map((row) => [row.querySelector('.u-label')?.textContent ?? '', row.querySelector('.u-value')?.textContent ?? ''])),
    chartId,
  );
}

/** A value as the legend shows it: four significant digits (chartView's formatValue for the values here). */
const shown = (v: number) => String(+v.toPrecision(4));

/** Drags the mouse across a chart's plot area from one page x to another, at mid height. */
async function drag(page: Page, chartId: string, fromX: number, toX: number): Promise<void> {
  const { plot } = await drawnAxes(page, chartId);
  const y = Math.round(plot.top + plot.height / 2);
  await page.mouse.move(fromX, y);
  await page.mouse.down();
  await page.mouse.move(toX, y, { steps: 8 });
  await page.mouse.up();
}

describe('plots webview', () => {
  it('says initialized first, then draws every run of the recorded events', async () => {
    const page = await panelWithRuns(runs);
    try {
      const first = await page.evaluate(() => window.__posted[0]);
      expect(first).toEqual({ type: 'initialized', protocolVersion: WEBVIEW_PROTOCOL_VERSION });
      const charts = await page.evaluate(() => window.__plots!.charts());
      // A loss chart per loss kind (softmax ≈ 4, hinge ≈ 0.1 never share a y axis), one chart per metric
      // family (recall@10 and @50 are one chart, at the headline's K = 50 until another K is picked), throughput last.
      expect(charts.map((c) => c.id)).toEqual(['loss:softmax', 'loss:hinge', 'loss:bce', 'eval:recall@50', 'eval:ndcg@10', 'eval:mrr', 'eval:coverage@10', 'throughput']);

      const loss = charts[0];
      const softmaxRuns = runs.filter((r) => r.events.some((e) => e.type === 'started' && e.loss === 'softmax'));
      expect(loss.series.map((s) => s.runId)).toEqual(softmaxRuns.map((r) => r.ref.runId));
      // Steps 4, 8, …, 160 (every 4th of 4 epochs × 40 steps): the union over the runs is 40 x values.
      expect(loss.x).toEqual(Array.from({ length: 40 }, (_, i) => 4 * (i + 1)));
      // The debiased EMA starts at the first raw value exactly (weight 0.6: 0.4·v / (1 − 0.6) = v).
      const softmax = byId('softmax-inbatch');
      expect(loss.series[0].y[0]).toBeCloseTo(stepsOf(softmax)[0].loss, 10);
      // The failed run stopped at step 80: no points after it.
      const failed = charts.find((c) => c.id === 'loss:bce')!;
      expect(failed.series.map((s) => s.runId)).toEqual([runs[2].ref.runId]);
      expect(failed.x.at(-1)).toBe(80);
      expect(failed.series[0].y.filter((v) => v !== null)).toHaveLength(20);

      const recall = charts.find((c) => c.id === 'eval:recall@50')!;
      expect(recall.series[0].y.filter((v) => v !== null)).toEqual(evalsOf(softmax).map((e) => e.metrics['recall@50']));
      const baseline = recall.series.filter((s) => s.kind === 'baseline');
      expect(baseline.map((s) => s.label)).toEqual(['popularity baseline']);
      expect(baseline[0].y.filter((v) => v !== null)).toEqual([0.1236, 0.1236, 0.1236, 0.1236]);

      const table = await page.evaluate(() => window.__plots!.table());
      expect(table.rows.map((r) => r[0])).toEqual(runs.map((r) => r.ref.runId));
      expect(table.rows.map((r) => r[1])).toEqual(['completed', 'completed', 'failed', 'running']);
      // Only the parameters that differ: not the seed, batch size, embedding size or data path.
      expect(table.headers.filter((h) => h.startsWith('param:'))).toEqual([
        'param:negatives.kinds',
        'param:training.epochs',
        'param:training.learning_rate',
        'param:training.loss',
        'param:training.mode',
      ]);
      await afterRender(page, () => page.click('#more-columns'));
      const fullTable = await page.evaluate(() => window.__plots!.table());
      const bestRecall = fullTable.headers.indexOf('best:recall@50');
      expect(Number(fullTable.rows[0][bestRecall])).toBeCloseTo(Math.max(...evalsOf(softmax).map((e) => e.metrics['recall@50'])), 3);

      const lossCard = page.locator('[data-chart-id="loss:softmax"] .u-over');
      const box = (await lossCard.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-compare-4-runs.png'), fullPage: false });
      expect(await page.evaluate(() => window.__violations)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('appends live events as they arrive and updates the table when the run ends', async () => {
    const live = byId('softmax-inbatch');
    const cut = live.events.findIndex((e) => e.type === 'step' && e.step === 60);
    const page = await panelWithRuns([{ ref: live.ref, events: live.events.slice(0, cut) }]);
    try {
      const before = await page.evaluate(() => window.__plots!.charts()[0].x.length);
      expect(before).toBe(14);
      // The rest arrives in batches of 5 events, like a tail of events.jsonl.
      const rest = live.events.slice(cut);
      for (let i = 0; i < rest.length; i += 5) {
        await postAppend(page, live.ref.runId, rest.slice(i, i + 5));
      }
      const after = await page.evaluate(() => window.__plots!.charts());
      expect(after[0].x.length).toBe(40);
      // 40 points across a ~600 px chart are sparse: drawn at their full weight.
      expect(after[0].series[0].lineWidth).toBe(1.75);
      expect(after.find((c) => c.id === 'eval:recall@50')!.x).toEqual([40, 80, 120, 160]);
      // The table follows live data at most once a second (a rebuild re-lays out the page): wait for it.
      await page.waitForFunction(() => window.__plots!.table().rows[0]?.[1] === 'completed');
      const table = await page.evaluate(() => window.__plots!.table());
      // Column 3 is the final loss: the last epoch's mean (as the tree and the CLI say), not the last step's
      // partial-batch loss; shown with 4 significant digits (3.87128 → 3.871).
      const lastEpoch = live.events.filter((e): e is Extract<typeof e, { type: 'epoch' }> => e.type === 'epoch').at(-1)!;
      expect(lastEpoch.loss).not.toBe(stepsOf(live).at(-1)!.loss);
      expect(table.rows[0][3]).toBe(lastEpoch.loss.toPrecision(4));
      const sampling = await page.evaluate(() => window.__plots!.sampling());
      expect(sampling?.epoch).toBe(4);
      expect(sampling?.series.map((s) => s.label)).toEqual(['positives', 'negatives: in_batch', 'logQ mean p']);
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-live-run.png'), fullPage: false });
    } finally {
      await page.close();
    }
  });

  it('draws a dense curve one device pixel wide (the CPU rasteriser strokes a wider one ~50× slower) and a sparse one at its weight', async () => {
    const live = byId('softmax-inbatch');
    const page = await panelWithRuns([live]);
    try {
      const last = stepsOf(live).at(-1)!;
      // 600 more steps: 640 points on a chart of about 600 px is denser than one point per 4 px.
      const more = Array.from({ length: 600 }, (_, i) => ({ ...last, step: last.step + i + 1, loss: last.loss + 0.01 * Math.sin(i) }));
      await postAppend(page, live.ref.runId, more);
      const charts = await page.evaluate(() => window.__plots!.charts());
      const loss = charts.find((c) => c.id.startsWith('loss'))!;
      expect(loss.x.length).toBe(640);
      expect(loss.series[0].lineWidth).toBe(1);
      const recall = charts.find((c) => c.id === 'eval:recall@50')!;
      expect(recall.series.find((s) => s.kind === 'run')!.lineWidth).toBe(1.75);
      expect(recall.series.find((s) => s.kind === 'baseline')!.lineWidth).toBe(1.5);
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-dense-hairline.png'), fullPage: false });
    } finally {
      await page.close();
    }
  });

  it('follows the toolbar: smoothing off, x axis by epoch, log scale; and keeps it in the saved state', async () => {
    const page = await panelWithRuns(runs.slice(0, 2));
    try {
      await afterRender(page, () =>
        page.evaluate(() => {
          const slider = document.getElementById('smoothing') as HTMLInputElement;
          slider.value = '0';
          slider.dispatchEvent(new Event('input'));
        }),
      );
      // runs[1] trains with hinge: its loss has a chart of its own.
      let loss = (await page.evaluate(() => window.__plots!.charts())).find((c) => c.id === 'loss:hinge')!;
      expect(loss.series[0].y).toEqual(stepsOf(runs[1]).map((s) => s.loss));

      await afterRender(page, () => page.selectOption('#x-axis', 'epoch'));
      loss = (await page.evaluate(() => window.__plots!.charts()))[0];
      // stepsPerEpoch = 40: step 4 is epoch 0.1, step 160 is epoch 4.
      expect(loss.x[0]).toBeCloseTo(0.1, 12);
      expect(loss.x.at(-1)).toBe(4);

      expectLinearY(await drawnAxes(page, 'loss:softmax'), await drawnYs(page, 'loss:softmax'));
      await afterRender(page, () => page.check('#log-scale'));
      expectLog10Y(await drawnAxes(page, 'loss:softmax'), await drawnYs(page, 'loss:softmax'));
      const state = (await page.evaluate(() => window.__savedState)) as PlotsViewState;
      expect(state).toMatchObject({ smoothing: 0, xAxis: 'epoch', logScale: true });
      expect(state.runs.map((r) => r.runId)).toEqual(runs.slice(0, 2).map((r) => r.ref.runId));

      // A reload (VS Code hid and showed the panel) restores the controls from the saved state.
      const restored = await panelWithRuns(runs.slice(0, 2), state);
      try {
        expect(await restored.inputValue('#x-axis')).toBe('epoch');
        expect(await restored.isChecked('#log-scale')).toBe(true);
        expect((await restored.evaluate(() => window.__plots!.charts()))[0].x.at(-1)).toBe(4);
      } finally {
        await restored.close();
      }
    } finally {
      await page.close();
    }
  });

  it('keeps the experiment the host says it follows in the saved state (a restored panel follows it again), and forgets it when pinned', async () => {
    const page = await panelWithRuns(runs.slice(0, 1));
    try {
      const saved = () => page.evaluate(() => (window.__savedState as PlotsViewState | undefined)?.followedExperiment);
      await page.evaluate(() => window.postMessage({ type: 'following', experiment: '/w/exp.tower.yaml' }, '*'));
      await page.waitForFunction(() => (window.__savedState as PlotsViewState | undefined)?.followedExperiment === '/w/exp.tower.yaml');
      // The rest of the state is untouched.
      expect(((await page.evaluate(() => window.__savedState)) as PlotsViewState).runs.map((r) => r.runId)).toEqual([runs[0].ref.runId]);
      await page.evaluate(() => window.postMessage({ type: 'following', experiment: null }, '*'));
      await page.waitForFunction(() => (window.__savedState as PlotsViewState | undefined)?.followedExperiment === null);
      expect(await saved()).toBeNull();
    } finally {
      await page.close();
    }
  });

  it('sorts the table by a header click and selects curves by row', async () => {
    const page = await panelWithRuns(runs);
    try {
      await afterRender(page, () => page.click('#more-columns'));
      const header = page.locator('th[data-column="best:recall@50"]');
      await afterRender(page, () => header.click());
      let table = await page.evaluate(() => window.__plots!.table());
      const col = table.headers.indexOf('best:recall@50');
      const values = table.rows.map((r) => Number(r[col]));
      expect(values).toEqual([...values].sort((a, b) => b - a));
      await afterRender(page, () => header.click());
      table = await page.evaluate(() => window.__plots!.table());
      expect(table.rows.map((r) => Number(r[col]))).toEqual([...values].sort((a, b) => a - b));

      const hinge = byId('hinge-popularity').ref.runId;
      await afterRender(page, () => page.click(`tr[data-run-id="${hinge}"]`));
      await afterRender(page, () => page.click(`tr[data-run-id="${byId('softmax-live').ref.runId}"]`, { modifiers: ['Control'] }));
      table = await page.evaluate(() => window.__plots!.table());
      expect(table.selected.sort()).toEqual([hinge, byId('softmax-live').ref.runId].sort());
      const posted = await page.evaluate(() => window.__posted.filter((m) => m.type === 'selectRuns'));
      expect(posted.at(-1)).toEqual({ type: 'selectRuns', runIds: [hinge, byId('softmax-live').ref.runId] });
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-selected-runs.png'), fullPage: false });

      // A legend click hides that run in every chart, not only the one clicked.
      await afterRender(page, () => page.locator('[data-chart-id="loss:softmax"] .u-legend .u-series').nth(1).click());
      const charts = await page.evaluate(() => window.__plots!.charts());
      for (const chart of charts) {
        const series = chart.series.filter((s) => s.runId === runs[0].ref.runId && s.kind === 'run');
        expect(series.every((s) => !s.show), chart.id).toBe(true);
      }
      expect(((await page.evaluate(() => window.__savedState)) as PlotsViewState).hiddenRunIds).toEqual([runs[0].ref.runId]);
    } finally {
      await page.close();
    }
  });

  it('exports the chart as a PNG data URL and its data as CSV', async () => {
    const page = await panelWithRuns(runs.slice(0, 2));
    try {
      await page.click('[data-chart-id="loss:softmax"] button[data-export="png"]');
      const png = (await waitForPosted(page, 'exportPng')) as ExportPngMessage;
      expect(png.chart).toBe('loss-softmax');
      expect(png.dataUrl.startsWith('data:image/png;base64,')).toBe(true);
      const bytes = Buffer.from(png.dataUrl.slice('data:image/png;base64,'.length), 'base64');
      expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      // Kept for a person to look at: what the user gets in the saved file.
      writeFileSync(join(SCREENSHOTS, 'export-loss.png'), bytes);
      // IHDR width/height (big-endian at bytes 16 and 20): at least the chart's size.
      expect(bytes.readUInt32BE(16)).toBeGreaterThanOrEqual(240);
      expect(bytes.readUInt32BE(20)).toBeGreaterThan(200);

      // The recall chart shows the headline's K (50); K = 10 is picked in its toggle.
      await afterRender(page, () => page.selectOption('[data-chart-id="eval:recall@50"] select.k-select', '10'));
      await page.click('[data-chart-id="eval:recall@10"] button[data-export="csv"]');
      const csv = (await waitForPosted(page, 'exportCsv')) as ExportCsvMessage;
      expect(csv.chart).toBe('eval-recall@10');
      const lines = csv.csv.trim().split('\n');
      expect(lines[0]).toBe(`step,${runs[0].ref.runId},${runs[1].ref.runId},popularity baseline`);
      expect(lines[1]).toBe(`40,${evalsOf(runs[0])[0].metrics['recall@10']},${evalsOf(runs[1])[0].metrics['recall@10']},0.0412`);

      await page.evaluate(() => window.postMessage({ type: 'exportResult', format: 'png', outcome: 'saved', detail: '/w/loss.png' }, '*'));
      await page.waitForFunction(() => document.querySelector('.status')?.textContent === 'Saved /w/loss.png');
      await page.evaluate(() => window.postMessage({ type: 'exportResult', format: 'csv', outcome: 'failed', detail: 'EACCES: /w/ro.csv' }, '*'));
      await page.waitForFunction(() => document.querySelector('.status.error')?.textContent === 'Export failed: EACCES: /w/ro.csv');
    } finally {
      await page.close();
    }
  });

  it('reports events for a run it does not show, naming the run', async () => {
    const page = await panelWithRuns(runs.slice(0, 1));
    try {
      await page.evaluate(() => window.__host.post(window.__host.appendMessage('no-such-run', [])));
      const error = (await waitForPosted(page, 'webviewError')) as WebviewErrorMessage;
      expect(error.message).toMatch(/run "no-such-run".*showRuns first/);
    } finally {
      await page.close();
    }
  });

  it('shows an empty notice and no charts before any run arrives', async () => {
    const page = await openPanel(browser, server);
    try {
      await waitForPosted(page, 'initialized');
      await page.waitForFunction(() => window.__plots!.renderCount() >= 1);
      expect(await page.isVisible('.empty')).toBe(true);
      expect(await page.evaluate(() => window.__plots!.charts())).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('plots layout: table first, sections, one chart per metric family', () => {
  const compactHeaders = [
    'run',
    'status',
    'epoch',
    'loss',
    'param:negatives.kinds',
    'param:training.epochs',
    'param:training.learning_rate',
    'param:training.loss',
    'param:training.mode',
    'final:recall@50',
    'final:ndcg@10',
    'final:mrr',
    'final:coverage@10',
    'best:recall@50',
  ];

  it('puts the compact runs table first, with the popularity baseline as its footer row, and shows every column on demand', async () => {
    const page = await panelWithRuns(runs);
    try {
      const tableFirst = await page.evaluate(() => Boolean(document.querySelector('.table-host')!.compareDocumentPosition(document.querySelector('.sections')!) & Node.DOCUMENT_POSITION_FOLLOWING));
      expect(tableFirst).toBe(true);
      let table = await page.evaluate(() => window.__plots!.table());
      // Differing parameters, each metric family at its chart's K (recall at the headline's 50), the headline's best.
      expect(table.headers).toEqual(compactHeaders);
      expect(table.rows.map((r) => r[0])).toEqual(runs.map((r) => r.ref.runId));
      const recall50 = table.headers.indexOf('final:recall@50');
      expect(table.baseline?.[0]).toBe('popularity baseline');
      expect(table.baseline?.[recall50]).toBe('0.1236');
      expect(table.baseline?.[1]).toBe('');
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-layout-table-first.png'), fullPage: false });

      await afterRender(page, () => page.click('#more-columns'));
      table = await page.evaluate(() => window.__plots!.table());
      for (const key of ['final:recall@10', 'best:recall@10', 'final:recall@50', 'best:mrr', 'best:coverage@10']) expect(table.headers).toContain(key);
      expect(await page.textContent('#more-columns')).toBe('Fewer columns');
      expect(((await page.evaluate(() => window.__savedState)) as PlotsViewState).allColumns).toBe(true);
      await afterRender(page, () => page.click('#more-columns'));
      expect((await page.evaluate(() => window.__plots!.table())).headers).toEqual(compactHeaders);
    } finally {
      await page.close();
    }
  });

  it('groups the charts in sections, switches K in a family\'s chart, and keeps collapsed sections and the K after a reload', async () => {
    const page = await panelWithRuns(runs);
    try {
      expect(await page.evaluate(() => window.__plots!.sections())).toEqual([
        { id: 'loss', collapsed: false, charts: ['loss:softmax', 'loss:hinge', 'loss:bce'] },
        { id: 'retrieval', collapsed: false, charts: ['eval:recall@50', 'eval:ndcg@10', 'eval:mrr'] },
        { id: 'headTail', collapsed: false, charts: ['eval:coverage@10'] },
        { id: 'sampling', collapsed: false, charts: ['sampling'] },
        { id: 'system', collapsed: false, charts: ['throughput'] },
      ]);
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-layout-sections.png'), fullPage: true });

      // K = 10 in the recall chart: the same card slot shows recall@10, and the table's recall column follows.
      expect(await page.$$eval('[data-chart-id="eval:recall@50"] select.k-select option', (o) => o.map((x) => x.textContent))).toEqual(['@10', '@50']);
      await afterRender(page, () => page.selectOption('[data-chart-id="eval:recall@50"] select.k-select', '10'));
      const recall10 = (await page.evaluate(() => window.__plots!.charts())).find((c) => c.id === 'eval:recall@10')!;
      expect(recall10.series[0].y.filter((v) => v !== null)).toEqual(evalsOf(runs[0]).map((e) => e.metrics['recall@10']));
      expect((await page.evaluate(() => window.__plots!.sections()))[1].charts).toEqual(['eval:recall@10', 'eval:ndcg@10', 'eval:mrr']);
      await page.waitForFunction(() => window.__plots!.table().headers.includes('final:recall@10'));

      await afterRender(page, () => page.click('.section-toggle[data-section="retrieval"]'));
      expect((await page.evaluate(() => window.__plots!.sections()))[1]).toMatchObject({ id: 'retrieval', collapsed: true });
      expect(await page.isVisible('[data-chart-id="eval:mrr"]')).toBe(false);
      expect(await page.isVisible('[data-chart-id="loss:softmax"]')).toBe(true);
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-layout-collapsed.png'), fullPage: false });
      const state = (await page.evaluate(() => window.__savedState)) as PlotsViewState;
      expect(state).toMatchObject({ collapsedSections: ['retrieval'], chosenK: { recall: 10 } });

      // A reload (VS Code restores the webview state) keeps the layout.
      const restored = await panelWithRuns(runs, state);
      try {
        const sections = await restored.evaluate(() => window.__plots!.sections());
        expect(sections[1]).toEqual({ id: 'retrieval', collapsed: true, charts: ['eval:recall@10', 'eval:ndcg@10', 'eval:mrr'] });
        expect(await restored.isVisible('[data-chart-id="eval:recall@10"]')).toBe(false);
        expect((await restored.evaluate(() => window.__plots!.table())).headers).toContain('final:recall@10');
        // Expanded again, the charts are drawn at their full width.
        await afterRedraw(restored, ['eval:recall@10'], () => restored.click('.section-toggle[data-section="retrieval"]'));
        expect(await restored.isVisible('[data-chart-id="eval:recall@10"]')).toBe(true);
        const axes = await drawnAxes(restored, 'eval:recall@10');
        expect(axes.y.length).toBeGreaterThanOrEqual(2);
        expect(axes.plot.width).toBeGreaterThan(300);
      } finally {
        await restored.close();
      }
    } finally {
      await page.close();
    }
  });

  it('tells the host each layout change, and a new panel takes the workspace\'s layout while a restored one keeps its own', async () => {
    const layout = { collapsedSections: ['system'], chosenK: { recall: 10 }, allColumns: true };
    const fresh = await panelWithRuns(runs);
    try {
      await afterRender(fresh, () => fresh.evaluate((l) => window.postMessage({ type: 'restoreLayout', layout: l }, '*'), layout));
      const sections = await fresh.evaluate(() => window.__plots!.sections());
      expect(sections.find((x) => x.id === 'system')?.collapsed).toBe(true);
      expect(sections.find((x) => x.id === 'retrieval')?.charts[0]).toBe('eval:recall@10');
      expect((await fresh.evaluate(() => window.__plots!.table())).headers).toContain('best:recall@10');
      // Taking the workspace's layout is not a change to report back.
      expect(await fresh.evaluate(() => window.__posted.filter((m) => m.type === 'saveLayout'))).toEqual([]);
      await afterRender(fresh, () => fresh.click('.section-toggle[data-section="loss"]'));
      expect(await fresh.evaluate(() => window.__posted.filter((m) => m.type === 'saveLayout'))).toEqual([{ type: 'saveLayout', layout: { ...layout, collapsedSections: ['system', 'loss'] } }]);
    } finally {
      await fresh.close();
    }
    const restored = await panelWithRuns(runs, { collapsedSections: ['headTail'] });
    try {
      await restored.evaluate((l) => window.postMessage({ type: 'restoreLayout', layout: l }, '*'), layout);
      // Messages arrive in order: once the runs posted after it have rendered, restoreLayout was handled.
      await postRuns(restored, runs);
      const sections = await restored.evaluate(() => window.__plots!.sections());
      expect(sections.filter((x) => x.collapsed).map((x) => x.id)).toEqual(['headTail']);
      expect(sections.find((x) => x.id === 'retrieval')?.charts[0]).toBe('eval:recall@50');
    } finally {
      await restored.close();
    }
  });

  it('draws softmax (≈ 4) and hinge (≈ 0.3) losses on y axes of their own', async () => {
    const page = await panelWithRuns(runs.slice(0, 2), { smoothing: 0 });
    try {
      const softmaxYs = await drawnYs(page, 'loss:softmax');
      const hingeYs = await drawnYs(page, 'loss:hinge');
      const softmaxAxes = await drawnAxes(page, 'loss:softmax');
      const hingeAxes = await drawnAxes(page, 'loss:hinge');
      expectLinearY(softmaxAxes, softmaxYs);
      expectLinearY(hingeAxes, hingeYs);
      // The softmax axis starts above every hinge value, and the hinge axis ends below every softmax value.
      expect(fitTicks(softmaxAxes.y).valueAt(softmaxAxes.plot.top + softmaxAxes.plot.height)).toBeGreaterThan(Math.max(...hingeYs));
      expect(fitTicks(hingeAxes.y).valueAt(hingeAxes.plot.top)).toBeLessThan(Math.min(...softmaxYs));
    } finally {
      await page.close();
    }
  });
});

describe('plots webview with a torch run', () => {
  it('names each run\'s engine in the runs table (torch · cpu × 2 beside tfjs · …) and draws the torch run like any other', async () => {
    const tfjs = byId('softmax-inbatch');
    const other = byId('hinge-popularity');
    // The same events as a torch run writes them: the started event names the engine, device and ranks.
    const torchEvents = other.events.map((e) => (e.type === 'started' ? { ...e, backend: 'torch' as const, engine: 'torch' as const, device: 'cpu' as const, processes: 2, worldSize: 2, threads: 1, torch: '1.13.0' } : e));
    const torchRun: FixtureRun = { ref: { ...other.ref, label: 'torch run' }, events: torchEvents };
    const page = await panelWithRuns([tfjs, torchRun]);
    try {
      const table = await page.evaluate(() => window.__plots!.table());
      const engine = table.headers.indexOf('engine');
      expect(engine, `no engine column in ${JSON.stringify(table.headers)}`).toBe(2);
      const tfjsBackend = (tfjs.events.find((e) => e.type === 'started') as Extract<TrainerEvent, { type: 'started' }>).backend;
      expect(table.rows.map((r) => r[engine])).toEqual([`tfjs · ${tfjsBackend}`, 'torch · cpu × 2']);
      // The torch run trains with hinge, so its loss is drawn in the hinge chart.
      const charts = await page.evaluate(() => window.__plots!.charts());
      expect(charts.find((c) => c.id === 'loss:softmax')!.series.map((s) => s.runId)).toEqual([tfjs.ref.runId]);
      const loss = charts.find((c) => c.id === 'loss:hinge')!;
      expect(loss.series.map((s) => s.runId)).toEqual([other.ref.runId]);
      expect(loss.series[0].y.filter((v) => v !== null).length).toBeGreaterThan(0);
      await page.locator('.runs-table').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-torch-run-table.png'), fullPage: false });
    } finally {
      await page.close();
    }
  });
});

describe('plots webview on a run the real trainer wrote', () => {
  const evalSteps = (events: TrainerEvent[]) => events.flatMap((e) => (e.type === 'eval' ? [e.step] : []));
  const stepSteps = (events: TrainerEvent[]) => events.flatMap((e) => (e.type === 'step' ? [e.step] : []));

  it('draws the loss, a metric and the throughput on a linear y axis, on a log10 axis after the toggle, and linear again after it', async () => {
    const page = await panelWithRuns([real]);
    try {
      for (const id of ['loss', 'eval:recall@50', 'throughput']) expectLinearY(await drawnAxes(page, id), await drawnYs(page, id));
      await afterRender(page, () => page.check('#log-scale'));
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-real-run-log-scale.png'), fullPage: false });
      for (const id of ['loss', 'eval:recall@50', 'throughput']) expectLog10Y(await drawnAxes(page, id), await drawnYs(page, id));
      // The loss (2.3…3.5) gets the labels 2, 5 and 10: three heights that only a log axis puts there.
      expect((await drawnAxes(page, 'loss')).y.length).toBeGreaterThanOrEqual(3);
      await afterRender(page, () => page.uncheck('#log-scale'));
      for (const id of ['loss', 'eval:recall@50', 'throughput']) expectLinearY(await drawnAxes(page, id), await drawnYs(page, id));
    } finally {
      await page.close();
    }
  });

  it('shows the values under the cursor in the legends of every chart', async () => {
    const page = await panelWithRuns([real], { smoothing: 0 });
    try {
      // The end of epoch 2: a step event and an eval event share that step.
      const evalEvent = evalsOf(real)[1];
      const stepEvent = stepsOf(real).find((e) => e.step === evalEvent.step)!;
      const axes = await drawnAxes(page, 'loss');
      await page.mouse.move(Math.round(xRange(axes).pxOf(evalEvent.step)), Math.round(axes.plot.top + axes.plot.height / 2));
      await expect.poll(() => legendOf(page, 'loss'), { timeout: 5000 }).toEqual({ step: String(evalEvent.step), [REAL_RUN_ID]: shown(stepEvent.loss) });
      // The other charts follow the cursor (one sync group) and show their own values at that step.
      expect(await legendOf(page, 'throughput')).toEqual({ step: String(evalEvent.step), [REAL_RUN_ID]: shown(stepEvent.examplesPerSec) });
      expect(await legendOf(page, 'eval:recall@50')).toEqual({
        step: String(evalEvent.step),
        [REAL_RUN_ID]: shown(evalEvent.metrics['recall@50']),
        'popularity baseline': shown(evalEvent.baseline['recall@50']),
      });
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-real-run-hover.png'), fullPage: false });
    } finally {
      await page.close();
    }
  });

  it('draws a chart out of view when it scrolls in, with the data that arrived meanwhile and the zoom of the others', async () => {
    // A short window: the real run's 17 charts reach far below it.
    const page = await openPanel(browser, server, { height: 900 });
    const drawn = async () => Object.fromEntries((await page.evaluate(() => window.__plots!.charts())).map((c) => [c.id, c.drawn]));
    const evalAt = real.events.flatMap((e, i) => (e.type === 'eval' ? [i] : []));
    const cut = evalAt[2] + 1;
    try {
      await waitForPosted(page, 'initialized');
      await postRuns(page, [{ ref: real.ref, events: real.events.slice(0, cut) }]);
      const first = await drawn();
      expect(first.loss).toBe(true);
      expect(first.throughput, 'the throughput chart, ≈ 3,000 px down, is not drawn yet').toBe(false);
      expect(await page.locator('[data-chart-id="throughput"] canvas').count()).toBe(0);

      // Zoom the loss chart, let live events arrive, then scroll to the throughput chart.
      const before = await drawnAxes(page, 'loss');
      const x = xRange(before);
      const from = Math.round(before.plot.left + before.plot.width * 0.3);
      const to = Math.round(before.plot.left + before.plot.width * 0.6);
      const span = [x.min + (from - before.plot.left) * x.unitsPerPx, x.min + (to - before.plot.left) * x.unitsPerPx];
      await afterRedraw(page, ['loss'], () => drag(page, 'loss', from, to));
      await postAppend(page, real.ref.runId, real.events.slice(cut));
      await page.locator('[data-chart-id="throughput"]').scrollIntoViewIfNeeded();
      await page.waitForFunction(() => window.__plots!.charts().find((c) => c.id === 'throughput')?.drawn === true, null, { timeout: 10_000 });
      // It shows every step of the run (also the ones that arrived while it was out of view)…
      const throughput = (await page.evaluate(() => window.__plots!.charts())).find((c) => c.id === 'throughput')!;
      expect(throughput.x).toEqual(stepSteps(real.events));
      // …at the span the user zoomed the loss chart to, which keeps that span.
      await expectXRange(page, 'throughput', span[0], span[1]);
      await page.locator('[data-chart-id="loss"]').scrollIntoViewIfNeeded();
      await expectXRange(page, 'loss', span[0], span[1]);
    } finally {
      await page.close();
    }
  });

  it('zooms every chart to a dragged span, keeps it while live events arrive, and resets on double-click or Reset zoom', async () => {
    // The run arrives as a live one would: up to the third eval, then up to the fourth, then the rest.
    const evalAt = real.events.flatMap((e, i) => (e.type === 'eval' ? [i] : []));
    const cut3 = evalAt[2] + 1;
    const cut4 = evalAt[3] + 1;
    const upTo = (n: number) => real.events.slice(0, n);
    const full = (events: TrainerEvent[]) => ({ loss: [stepSteps(events)[0], stepSteps(events).at(-1)!], metric: [evalSteps(events)[0], evalSteps(events).at(-1)!] });
    const expectFull = async (events: TrainerEvent[]) => {
      const f = full(events);
      await expectXRange(page, 'loss', f.loss[0], f.loss[1]);
      await expectXRange(page, 'eval:recall@50', f.metric[0], f.metric[1]);
    };
    const charts = ['loss', 'eval:recall@50'];

    const page = await panelWithRuns([{ ref: real.ref, events: upTo(cut3) }]);
    try {
      await expectFull(upTo(cut3));
      const before = await drawnAxes(page, 'loss');
      const x = xRange(before);
      // Whole pixels: the mouse events carry integer client coordinates.
      const from = Math.round(before.plot.left + before.plot.width * 0.25);
      const to = Math.round(before.plot.left + before.plot.width * 0.7);
      const span = [x.min + (from - before.plot.left) * x.unitsPerPx, x.min + (to - before.plot.left) * x.unitsPerPx];
      await afterRedraw(page, charts, () => drag(page, 'loss', from, to));
      await expectXRange(page, 'loss', span[0], span[1]);
      // The metric charts zoom to the same steps (their x axis starts at the first eval, so other pixels).
      await expectXRange(page, 'eval:recall@50', span[0], span[1]);
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-real-run-zoomed.png'), fullPage: false });

      // Live events do not undo the zoom.
      await postAppend(page, real.ref.runId, real.events.slice(cut3, cut4));
      await expectXRange(page, 'loss', span[0], span[1]);
      await expectXRange(page, 'eval:recall@50', span[0], span[1]);

      // A double-click on one chart shows all the data again in every chart…
      const { plot } = await drawnAxes(page, 'loss');
      await afterRedraw(page, charts, () => page.mouse.dblclick(Math.round(plot.left + plot.width / 2), Math.round(plot.top + plot.height / 2)));
      await expectFull(upTo(cut4));
      // …and every chart follows live data again.
      await postAppend(page, real.ref.runId, real.events.slice(cut4));
      await expectFull(real.events);

      // Zoomed again (from a metric chart this time), the toolbar's Reset zoom shows all the data too.
      const metricPlot = (await drawnAxes(page, 'eval:recall@50')).plot;
      await afterRedraw(page, charts, () => drag(page, 'eval:recall@50', Math.round(metricPlot.left + metricPlot.width * 0.4), Math.round(metricPlot.left + metricPlot.width * 0.6)));
      expect(xRange(await drawnAxes(page, 'loss')).max).toBeLessThan(full(real.events).loss[1] * 0.9);
      await afterRedraw(page, charts, () => page.click('#reset-zoom'));
      await expectFull(real.events);
    } finally {
      await page.close();
    }
  });
});

describe('plots page CSP', () => {
  it('blocks an inline script without the nonce (or with a wrong one) while the nonce script runs', async () => {
    const nonce = 'dGVzdC1ub25jZS0xMjM0NQ==';
    const html = panelHtml(server.origin, nonce).replace(
      '<div id="app"></div>',
      '<div id="app"></div>\n<script>window.__inlineRan = true;</script>\n<script nonce="d3Jvbmc=">window.__wrongNonceRan = true;</script>\n<img src="https://example.invalid/x.png">',
    );
    const page = await openPanel(browser, server, { html });
    try {
      await waitForPosted(page, 'initialized');
      await page.waitForFunction(() => window.__violations.length >= 3);
      const ran = await page.evaluate(() => ({ inline: 'inlineRan' in window, wrong: 'wrongNonceRan' in window, plots: typeof window.__plots }));
      expect(ran).toEqual({ inline: false, wrong: false, plots: 'object' });
      const violations = await page.evaluate(() => window.__violations);
      expect(violations.filter((v) => v.directive.startsWith('script-src'))).toHaveLength(2);
      expect(violations.some((v) => v.directive.startsWith('img-src') && v.blocked.startsWith('https://example.invalid'))).toBe(true);
    } finally {
      await page.close();
    }
  });
});
