/**
 * The sweep view's parallel-coordinates chart in headless Chromium, on the runs of a real sweep
 * (`two-tower-lab sweep`, 2 × 2 points of tiny synthetic data): an axis per swept parameter and one for
 * the metric, a line per run through its values, higher metric higher up and yellower. Screenshot in
 * test-output/screenshots/plots-sweep-parallel.png.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sweepFixtureRuns } from './sweepFixture';
import { ensureWebviewBundle, launchBrowser, openPanel, postRuns, SCREENSHOTS, startServer, waitForPosted, type FixtureRun, type PageServer } from './harness';

let browser: Browser;
let server: PageServer;
let dir: string;
let runs: FixtureRun[];

beforeAll(async () => {
  await ensureWebviewBundle();
  mkdirSync(SCREENSHOTS, { recursive: true });
  ({ dir, runs } = await sweepFixtureRuns('ttl-sweep-parallel-', 'sweep:\n  grid:\n    training.learning_rate: [0.001, 0.05]\n    score.temperature: [0.05, 0.2]\n  parallel: 2\n'));
  server = await startServer();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('plots webview: parallel coordinates of a sweep', () => {
  it('draws an axis per swept parameter and the metric, and one line per run through its values', async () => {
    const page = await openPanel(browser, server, { height: 1600 });
    try {
      await waitForPosted(page, 'initialized');
      await postRuns(page, runs);
      const data = (await page.evaluate(() => window.__plots!.sweep()))!;
      expect(data.parameters).toEqual(['score.temperature', 'training.learning_rate']);
      expect(runs).toHaveLength(4);
      const chart = page.locator('.sweep-parallel');
      expect(await chart.locator('.parallel-axis').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-axis')))).toEqual(['score.temperature', 'training.learning_rate', 'recall@10']);
      expect(await chart.locator('.parallel-axis-label').allTextContents()).toEqual(['score.temperature', 'training.learning_rate (log)', 'recall@10']);
      const lines = await chart.locator('polyline.parallel-line').evaluateAll((ps) =>
        ps.map((p) => ({ runId: p.getAttribute('data-run-id')!, stroke: p.getAttribute('stroke')!, points: p.getAttribute('points')!.split(' ').map((xy) => xy.split(',').map(Number)) })),
      );
      // One line per run, each with a vertex on each axis.
      expect(lines.map((l) => l.runId).sort()).toEqual(runs.map((r) => r.ref.runId).sort());
      for (const line of lines) expect(line.points).toHaveLength(3);
      // Axes at the lines' x positions: every line's i-th vertex is on the i-th axis.
      const axisX = await chart.locator('.parallel-axis line').evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('x1'))));
      for (const line of lines) expect(line.points.map(([x]) => x)).toEqual(axisX.map((x) => Number(x.toFixed(1))));
      // 0.05..0.2 is linear (a factor of 4), 0.001..0.05 logarithmic (a factor of 50).
      // Each vertex says its run's values: the lower learning rate and temperature at the bottom of their axes.
      const valueOf = (runId: string) => data.points.flatMap((p) => p.runs.map((r) => ({ ...r, values: p.values }))).find((r) => r.runId === runId)!;
      for (const line of lines) {
        const v = valueOf(line.runId);
        const [[, yT], [, yLr]] = line.points;
        expect(yT > 120).toBe(v.values['score.temperature'] === 0.05);
        expect(yLr > 120).toBe(v.values['training.learning_rate'] === 0.001);
      }
      // On the metric axis: a higher value is higher up; the best line is yellow, the worst dark purple.
      const byValue = [...lines].sort((a, b) => valueOf(a.runId).value! - valueOf(b.runId).value!);
      for (let i = 1; i < byValue.length; i++) expect(byValue[i].points[2][1]).toBeLessThanOrEqual(byValue[i - 1].points[2][1]);
      expect(byValue.at(-1)!.stroke).toBe('rgb(253, 231, 37)');
      expect(byValue[0].stroke).toBe('rgb(68, 1, 84)');
      await chart.scrollIntoViewIfNeeded();
      await chart.screenshot({ path: join(SCREENSHOTS, 'plots-sweep-parallel.png') });
      expect(await page.evaluate(() => window.__violations)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
