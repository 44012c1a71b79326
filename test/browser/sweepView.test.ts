/**
 * The sweep view of the plots panel in headless Chromium, on the runs of a real sweep
 * (`two-tower-lab sweep`, 2 points × 2 seeds of tiny synthetic data): the metric against the swept
 * parameter, and the points sorted by the metric with mean ± 95% interval across seeds. Screenshot in
 * test-output/screenshots/plots-sweep-view.png.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { meanInterval } from '../../src/shared/meanInterval';
import type { EvalEvent } from '../../src/shared/events';
import { sweepFixtureRuns } from './sweepFixture';
import { ensureWebviewBundle, launchBrowser, openPanel, postRuns, SCREENSHOTS, startServer, waitForPosted, type FixtureRun, type PageServer } from './harness';

let browser: Browser;
let server: PageServer;
let dir: string;
let runs: FixtureRun[];

beforeAll(async () => {
  await ensureWebviewBundle();
  mkdirSync(SCREENSHOTS, { recursive: true });
  ({ dir, runs } = await sweepFixtureRuns('ttl-sweep-view-', 'sweep:\n  grid:\n    training.learning_rate: [0.005, 0.05]\n  seeds: 2\n  parallel: 2\n'));
  server = await startServer();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('plots webview: the sweep view', () => {
  it('plots the metric against the swept parameter and lists the points by mean ± interval across seeds', async () => {
    const page = await openPanel(browser, server, { height: 1500 });
    try {
      await waitForPosted(page, 'initialized');
      await postRuns(page, runs);
      const data = (await page.evaluate(() => window.__plots!.sweep()))!;
      expect(data.metric).toBe('recall@10');
      expect(data.parameters).toEqual(['training.learning_rate']);
      expect(data.points).toHaveLength(2);
      // Each run's value is its last evaluation's (one epoch: no separate best kept), each mean that of its two seeds.
      const lastRecall = (run: FixtureRun): number => (run.events.filter((e): e is EvalEvent => e.type === 'eval').at(-1)!.metrics['recall@10']);
      for (const point of data.points) {
        const members = runs.filter((r) => point.runs.some((p) => p.runId === r.ref.runId));
        expect(members).toHaveLength(2);
        const expected = meanInterval(members.map(lastRecall));
        expect(point.mean).toBeCloseTo(expected.mean, 12);
        expect(point.halfWidth).toBeCloseTo(expected.halfWidth!, 12);
      }
      expect(data.points[0].mean!).toBeGreaterThanOrEqual(data.points[1].mean!);
      // Drawn: one chart for the parameter with a dot per run and a mean per value; the table in the same order.
      expect(await page.locator('.sweep-chart[data-parameter="training.learning_rate"] circle.sweep-dot').count()).toBe(4);
      expect(await page.locator('.sweep-chart rect.sweep-mean').count()).toBe(2);
      const rows = await page.locator('.sweep-table tbody tr').allTextContents();
      expect(rows).toHaveLength(2);
      expect(rows[0]).toContain(String(data.points[0].values['training.learning_rate']));
      expect(rows[0]).toContain(`${data.points[0].mean!.toFixed(4)} ± ${data.points[0].halfWidth!.toFixed(4)}`);
      await page.locator('section.sweep').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-sweep-view.png'), fullPage: true });
      expect(await page.evaluate(() => window.__violations)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows no sweep view for runs that are not a sweep\'s', async () => {
    const page = await openPanel(browser, server, { height: 900 });
    try {
      await waitForPosted(page, 'initialized');
      const plain = runs.map((r) => ({ ...r, events: r.events.map((e) => (e.type === 'started' ? { ...e, params: Object.fromEntries(Object.entries(e.params).filter(([k]) => !k.startsWith('sweep.'))) } : e)) }));
      await postRuns(page, plain);
      expect(await page.evaluate(() => window.__plots!.sweep())).toBeNull();
      expect(await page.locator('section.sweep').isHidden()).toBe(true);
    } finally {
      await page.close();
    }
  });
});
