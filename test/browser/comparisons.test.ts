/**
 * The runs table against a reference run, in headless Chromium, on real runs of the trainer: the host's
 * comparisons (src/extension/plots/comparisons.ts, run here in Node as the panel host runs them) give the
 * same numbers as `two-tower-lab compare --json`, and the table shows each Δ with its 95% interval, the
 * mark where the interval excludes zero, and why a run on another split has none. Screenshot in
 * test-output/screenshots/plots-comparisons.png.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RunComparisons } from '../../src/extension/plots/comparisons';
import { parseEventLines, type StartedEvent } from '../../src/shared/events';
import type { ComparisonsMessage } from '../../src/shared/webviewProtocol';
import { runTrainer, tinySynthetic } from '../trainer/trainerProcess';
import { ensureWebviewBundle, launchBrowser, openPanel, postAndRender, postRuns, SCREENSHOTS, startServer, waitForPosted, type FixtureRun, type PageServer } from './harness';

let browser: Browser;
let server: PageServer;
let dir: string;
let runs: FixtureRun[];
let message: ComparisonsMessage;
let cli: { metrics: { metric: string; difference: number; low: number; high: number; excludesZero: boolean }[] };

/** 600 users so that a well trained run and a barely trained one differ beyond the noise of the test users. */
const RUNS: [string, string[]][] = [
  ['good', ['training.learning_rate=0.05', 'training.epochs=4']],
  ['weak', ['training.learning_rate=0.0005', 'training.epochs=1']],
  ['other-split', ['data.seed=7', 'training.epochs=1']],
];

beforeAll(async () => {
  await ensureWebviewBundle();
  mkdirSync(SCREENSHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'ttl-comparisons-'));
  const file = join(dir, 'x.tower.yaml');
  writeFileSync(file, tinySynthetic());
  const runsDir = join(dir, 'runs');
  for (const [runId, sets] of RUNS) {
    const r = await runTrainer(['train', file, '--runs-dir', runsDir, '--run-id', runId, '--set', 'data.synthetic.users=600', ...sets.flatMap((s) => ['--set', s]), '--quiet', '--events-stdout', 'off'], dir);
    if (r.code !== 0) throw new Error(`training ${runId} failed (exit ${r.code}): ${r.stderr}`);
  }
  runs = RUNS.map(([runId]) => ({ ref: { runId, runDir: join(runsDir, runId) }, events: parseEventLines(readFileSync(join(runsDir, runId, 'events.jsonl'), 'utf8')).events }));
  const inputs = runs.map((r) => ({ runId: r.ref.runId, runDir: r.ref.runDir, started: r.events.find((e): e is StartedEvent => e.type === 'started') }));
  message = (await new RunComparisons().compute(inputs, null))!;
  const compared = await runTrainer(['compare', 'weak', 'good', '--runs-dir', runsDir, '--json'], dir);
  if (compared.code !== 0) throw new Error(`compare failed (exit ${compared.code}): ${compared.stderr}`);
  cli = JSON.parse(compared.stdout) as typeof cli;
  server = await startServer();
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;

describe('plots webview: the runs table against a reference run', () => {
  it('computes what compare prints: the same differences and intervals', () => {
    expect(message.referenceRunId).toBe('good');
    const weak = message.runs.find((r) => r.runId === 'weak')!;
    expect(weak.status).toBe('compared');
    if (weak.status !== 'compared') return;
    expect(Object.keys(weak.metrics)).toEqual(cli.metrics.map((m) => m.metric));
    for (const m of cli.metrics) expect(weak.metrics[m.metric]).toEqual({ difference: m.difference, low: m.low, high: m.high, excludesZero: m.excludesZero });
    expect(message.runs.find((r) => r.runId === 'other-split')).toMatchObject({ status: 'notComparable', reason: expect.stringMatching(/data\.seed: .* vs 7|data\.seed: 7 vs/) });
  });

  it('shows each Δ with its interval and the mark, the reference, and why the other split has none', async () => {
    const page = await openPanel(browser, server, { width: 1900, height: 700 });
    try {
      await waitForPosted(page, 'initialized');
      await postRuns(page, runs);
      // Before the host's comparisons arrive: no Δ column (and no reference buttons).
      expect((await page.evaluate(() => window.__plots!.table())).headers.some((h) => h.startsWith('delta:'))).toBe(false);
      await postAndRender(page, message);
      const table = await page.evaluate(() => window.__plots!.table());
      // The compact table's metrics (recall@10 is the headline here; ndcg, hit rate, mrr at their shown K) each get a Δ column.
      const deltas = table.headers.filter((h) => h.startsWith('delta:'));
      expect(deltas).toContain('delta:recall@10');
      expect(deltas).toContain('delta:mrr');
      const weak = message.runs.find((r) => r.runId === 'weak')!;
      if (weak.status !== 'compared') throw new Error('weak was not compared');
      for (const key of deltas) {
        const d = weak.metrics[key.slice('delta:'.length)];
        const cell = page.locator(`.runs-table tr[data-run-id="weak"] td:nth-child(${table.headers.indexOf(key) + 1})`);
        expect(await cell.locator('.delta-value').textContent()).toBe(`${signed(d.difference)}${d.excludesZero ? ' *' : ''}`);
        expect(await cell.locator('.delta-interval').textContent()).toBe(`[${signed(d.low)}, ${signed(d.high)}]`);
        expect(await cell.evaluate((td) => td.classList.contains('excludes-zero'))).toBe(d.excludesZero);
      }
      // This pair differs beyond the noise at recall@10: the mark is there.
      expect(weak.metrics['recall@10'].excludesZero).toBe(true);
      const recall = table.headers.indexOf('delta:recall@10');
      const row = (id: string): string[] => table.rows[runs.findIndex((r) => r.ref.runId === id)];
      expect(row('weak')[recall]).toContain('*');
      expect(row('good')[recall]).toBe('reference');
      expect(row('other-split')[recall]).toBe('other split');
      const notes = await page.locator('.comparison-notes').textContent();
      expect(notes).toContain('Δ: run − reference good');
      expect(notes).toContain('2000 resamples, seed 1');
      expect(await page.locator('.comparison-note.notComparable[data-run-id="other-split"]').textContent()).toMatch(/other-split: cannot be compared\. .*different splits[\s\S]*data\.seed/);
      await page.screenshot({ path: join(SCREENSHOTS, 'plots-comparisons.png'), clip: { x: 0, y: 0, width: 1900, height: 300 } });
      // Marking another run as the reference asks the host to compare with it, and keeps the choice in the state.
      await page.locator('.runs-table tr[data-run-id="weak"] .reference-toggle').click();
      expect(await waitForPosted(page, 'chooseReference')).toEqual({ type: 'chooseReference', runId: 'weak' });
      expect(await page.evaluate(() => window.__plots!.state().referenceRunId)).toBe('weak');
      // The click did not select the row's curves.
      expect((await page.evaluate(() => window.__plots!.table())).selected).toEqual([]);
      expect(await page.evaluate(() => window.__violations)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('tells the host the reference a restored state chose, with initialized', async () => {
    const page = await openPanel(browser, server, { state: { runs: runs.map((r) => r.ref), referenceRunId: 'weak' } });
    try {
      expect(await waitForPosted(page, 'initialized')).toMatchObject({ type: 'initialized', referenceRunId: 'weak' });
    } finally {
      await page.close();
    }
  });
});
