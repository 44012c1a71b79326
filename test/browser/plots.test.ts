/**
 * Browser tests of the plots webview in headless Chromium: recorded trainer events go in through the
 * same messages the extension posts; the series drawn, the table, exports, state and CSP come out.
 * Screenshots land in test-output/screenshots/ for a person to look at.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportCsvMessage, ExportPngMessage, PlotsViewState, WebviewErrorMessage } from '../../src/shared/webviewProtocol';
import { afterRender, ensureWebviewBundle, fixtureRuns, launchBrowser, openPanel, panelHtml, postAndRender, SCREENSHOTS, startServer, waitForPosted, type FixtureRun, type PageServer } from './harness';

let browser: Browser;
let server: PageServer;
let runs: FixtureRun[];

const byId = (id: string) => runs.find((r) => r.ref.runId.endsWith(id))!;
const stepsOf = (run: FixtureRun) => run.events.flatMap((e) => (e.type === 'step' ? [e] : []));
const evalsOf = (run: FixtureRun) => run.events.flatMap((e) => (e.type === 'eval' ? [e] : []));

beforeAll(async () => {
  await ensureWebviewBundle();
  mkdirSync(SCREENSHOTS, { recursive: true });
  runs = fixtureRuns();
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function panelWithRuns(selected: FixtureRun[], state?: Partial<PlotsViewState>): Promise<Page> {
  // Tall enough that every chart is in view: screenshots need no scrolling (the toolbar is sticky).
  const page = await openPanel(browser, server, { state, height: 1500 });
  await waitForPosted(page, 'initialized');
  await postAndRender(page, { type: 'showRuns', replace: true, runs: selected });
  return page;
}

describe('plots webview', () => {
  it('says initialized first, then draws every run of the recorded events', async () => {
    const page = await panelWithRuns(runs);
    try {
      const first = await page.evaluate(() => window.__posted[0]);
      expect(first).toEqual({ type: 'initialized', protocolVersion: 1 });
      const charts = await page.evaluate(() => window.__plots!.charts());
      expect(charts.map((c) => c.id)).toEqual(['loss', 'eval:recall@10', 'eval:recall@50', 'eval:ndcg@10', 'eval:mrr', 'eval:coverage@10', 'throughput']);

      const loss = charts[0];
      expect(loss.series.map((s) => s.runId)).toEqual(runs.map((r) => r.ref.runId));
      // Steps 4, 8, …, 160 (every 4th of 4 epochs × 40 steps): the union over the runs is 40 x values.
      expect(loss.x).toEqual(Array.from({ length: 40 }, (_, i) => 4 * (i + 1)));
      // The debiased EMA starts at the first raw value exactly (weight 0.6: 0.4·v / (1 − 0.6) = v).
      const softmax = byId('softmax-inbatch');
      expect(loss.series[0].y[0]).toBeCloseTo(stepsOf(softmax)[0].loss, 10);
      // The failed run stopped at step 80: no points after it.
      const failed = loss.series[2];
      expect(failed.y.slice(20).every((v) => v === null)).toBe(true);

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
      const bestRecall = table.headers.indexOf('best:recall@50');
      expect(Number(table.rows[0][bestRecall])).toBeCloseTo(Math.max(...evalsOf(softmax).map((e) => e.metrics['recall@50'])), 3);

      const lossCard = page.locator('[data-chart-id="loss"] .u-over');
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
        await postAndRender(page, { type: 'appendEvents', runId: live.ref.runId, events: rest.slice(i, i + 5) });
      }
      const after = await page.evaluate(() => window.__plots!.charts());
      expect(after[0].x.length).toBe(40);
      expect(after.find((c) => c.id === 'eval:recall@10')!.x).toEqual([40, 80, 120, 160]);
      // The table follows live data at most once a second (a rebuild re-lays out the page): wait for it.
      await page.waitForFunction(() => window.__plots!.table().rows[0]?.[1] === 'completed');
      const table = await page.evaluate(() => window.__plots!.table());
      // Column 3 is the final loss, shown with 4 significant digits (3.87128 → 3.871).
      expect(table.rows[0][3]).toBe(stepsOf(live).at(-1)!.loss.toPrecision(4));
      const sampling = await page.evaluate(() => window.__plots!.sampling());
      expect(sampling?.epoch).toBe(4);
      expect(sampling?.series.map((s) => s.label)).toEqual(['positives', 'negatives: in_batch', 'logQ mean p']);
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-live-run.png'), fullPage: false });
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
      let loss = (await page.evaluate(() => window.__plots!.charts()))[0];
      expect(loss.series[1].y).toEqual(stepsOf(runs[1]).map((s) => s.loss));

      await afterRender(page, () => page.selectOption('#x-axis', 'epoch'));
      loss = (await page.evaluate(() => window.__plots!.charts()))[0];
      // stepsPerEpoch = 40: step 4 is epoch 0.1, step 160 is epoch 4.
      expect(loss.x[0]).toBeCloseTo(0.1, 12);
      expect(loss.x.at(-1)).toBe(4);

      await afterRender(page, () => page.check('#log-scale'));
      const logScaleDistr = await page.evaluate(() => document.querySelectorAll('[data-chart-id="loss"] .u-axis').length);
      expect(logScaleDistr).toBe(2);
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

  it('sorts the table by a header click and selects curves by row', async () => {
    const page = await panelWithRuns(runs);
    try {
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
      await afterRender(page, () => page.locator('[data-chart-id="loss"] .u-legend .u-series').nth(1).click());
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
      await page.click('[data-chart-id="loss"] button[data-export="png"]');
      const png = (await waitForPosted(page, 'exportPng')) as ExportPngMessage;
      expect(png.chart).toBe('loss');
      expect(png.dataUrl.startsWith('data:image/png;base64,')).toBe(true);
      const bytes = Buffer.from(png.dataUrl.slice('data:image/png;base64,'.length), 'base64');
      expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      // Kept for a person to look at: what the user gets in the saved file.
      writeFileSync(join(SCREENSHOTS, 'export-loss.png'), bytes);
      // IHDR width/height (big-endian at bytes 16 and 20): at least the chart's size.
      expect(bytes.readUInt32BE(16)).toBeGreaterThanOrEqual(240);
      expect(bytes.readUInt32BE(20)).toBeGreaterThan(200);

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
      await page.evaluate(() => window.postMessage({ type: 'appendEvents', runId: 'no-such-run', events: [] }, '*'));
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
