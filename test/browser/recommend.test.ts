/**
 * Browser test of the "Recommend for a User…" page in headless Chromium: the HTML the panel host renders
 * (CSP, nonce), fed the host's `show` messages built from `recommend --format jsonl` lines by the host's own
 * parser. The table (marks, score, popularity rank, item columns), the exact / ANN toggle, the run switch,
 * the error and loading states, and the `rendered` report come out. A screenshot lands in test-output/screenshots/.
 */
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNonce, RECOMMEND_MEDIA, renderRecommendHtml } from '../../src/extension/recommend/html';
import { parseRecommendOutput } from '../../src/extension/recommend/recommendProcess';
import type { RecommendShowMessage, RecommendWebviewMessage } from '../../src/shared/recommendProtocol';
import { launchBrowser, ROOT, SCREENSHOTS, startServer, type PageServer } from './harness';

declare global {
  interface Window {
    __recommendPosted: RecommendWebviewMessage[];
    __recommendViolations: string[];
    __recommendState: unknown;
  }
}

let browser: Browser;
let server: PageServer;

/** What `two-tower-lab recommend 1 … --format jsonl` prints on MovieLens (titles, genres, year joined from movies.csv). */
const JSONL = [
  { rank: 1, item: '318', score: 0.8123, seen: false, heldOut: true, popularityRank: 3, title: 'Shawshank Redemption, The (1994)', genres: 'Crime|Drama', year: 1994 },
  { rank: 2, item: '356', score: 0.8011, seen: true, heldOut: false, popularityRank: 1, title: 'Forrest Gump (1994)', genres: 'Comedy|Drama|Romance|War', year: 1994 },
  { rank: 3, item: '296', score: 0.7702, seen: true, heldOut: true, popularityRank: 2, title: 'Pulp Fiction (1994)', genres: 'Comedy|Crime|Drama|Thriller', year: 1994 },
  { rank: 4, item: '2571', score: 0.7514, seen: false, heldOut: false, popularityRank: 4, title: 'Matrix, The (1999)', genres: 'Action|Sci-Fi|Thriller', year: 1999 },
  { rank: 5, item: '6502', score: 0.6020, seen: false, heldOut: false, popularityRank: 187, title: '28 Days Later (2002)', genres: 'Action|Horror|Sci-Fi', year: 2002 },
]
  .map((row) => JSON.stringify({ user: '1', ...row }))
  .join('\n');

function showMessage(overrides: Partial<RecommendShowMessage> = {}): RecommendShowMessage {
  const { columns, rows } = parseRecommendOutput(JSONL);
  return {
    type: 'show',
    runs: [
      { runId: 'movielens-20261202-070000-ab12', label: 'movielens-20261202-070000-ab12' },
      { runId: 'movielens-20261202-071500-cd34', label: 'logQ off · movielens-20261202-071500-cd34' },
    ],
    runId: 'movielens-20261202-070000-ab12',
    user: '1',
    exact: false,
    k: 5,
    loading: false,
    table: { runId: 'movielens-20261202-070000-ab12', user: '1', trainPositives: 231, heldOut: 2, k: 5, exact: false, columns, rows },
    ...overrides,
  };
}

async function openPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 420 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.addInitScript(() => {
    window.__recommendPosted = [];
    window.__recommendViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__recommendViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({ postMessage: (m: RecommendWebviewMessage) => window.__recommendPosted.push(m), setState: (s: unknown) => (window.__recommendState = s) });
  });
  const origin = server.origin;
  server.setPage(renderRecommendHtml({ cspSource: origin, nonce: makeNonce(), scriptUri: `${origin}/media/${RECOMMEND_MEDIA.script}`, styleUris: RECOMMEND_MEDIA.styles.map((s) => `${origin}/media/${s}`) }));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.__recommendPosted.some((m) => m.type === 'ready'));
  return page;
}

/** Posts a host message to the page, as the panel host does. */
async function post(page: Page, message: RecommendShowMessage): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

const posted = (page: Page): Promise<RecommendWebviewMessage[]> => page.evaluate(() => window.__recommendPosted);

beforeAll(async () => {
  // media/recommend.js as esbuild.mjs builds it.
  await build({ entryPoints: { recommend: join(ROOT, 'src/recommendView/main.ts') }, outdir: join(ROOT, 'media'), bundle: true, sourcemap: 'linked', platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'warning' });
  mkdirSync(SCREENSHOTS, { recursive: true });
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('recommend page', () => {
  it('draws the top K with marks, score, popularity rank and the item columns, and reports the rows it drew', async () => {
    const page = await openPage();
    await post(page, showMessage());
    await page.waitForSelector('#recommendations tbody tr');
    const header = await page.$$eval('#recommendations thead th', (ths) => ths.map((th) => th.textContent));
    expect(header).toEqual(['#', 'item', 'marks', 'score', 'popularity', 'title', 'genres', 'year']);
    const rows = await page.$$eval('#recommendations tbody tr', (trs) => trs.map((tr) => ({ cls: tr.className, cells: [...tr.querySelectorAll('td')].map((td) => td.textContent) })));
    expect(rows[0]).toEqual({ cls: 'held-out', cells: ['1', '318', 'held-out', '0.8123', '3', 'Shawshank Redemption, The (1994)', 'Crime|Drama', '1994'] });
    expect(rows[2].cls).toBe('seen held-out');
    expect(rows[2].cells[2]).toBe('seenheld-out');
    expect(rows.map((r) => r.cells[4])).toEqual(['3', '1', '2', '4', '187']);
    expect(await page.textContent('#summary')).toBe('User 1: 231 training positives, 2 held out — 2 of them in this top 5, and 2 items it saw in training. Run movielens-20261202-070000-ab12, ANN index.');
    expect(await page.$eval('[data-exact="false"]', (b) => b.getAttribute('aria-checked'))).toBe('true');
    const report = (await posted(page)).find((m) => m.type === 'rendered');
    expect(report).toMatchObject({ type: 'rendered', runId: 'movielens-20261202-070000-ab12', user: '1', exact: false, items: ['318', '356', '296', '2571', '6502'] });
    expect(await page.evaluate(() => window.__recommendViolations)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'recommend-table.png'), fullPage: true });
    await page.close();
  });

  it('saves the question it shows (run, user, search, K) for a panel restored after a reload, not the rows', async () => {
    const page = await openPage();
    await post(page, showMessage());
    await page.waitForSelector('#recommendations tbody tr');
    expect(await page.evaluate(() => window.__recommendState)).toEqual({ runId: 'movielens-20261202-070000-ab12', user: '1', exact: false, k: 5 });
    await post(page, showMessage({ runId: 'movielens-20261202-071500-cd34', user: '42', exact: true, loading: true, table: undefined }));
    await page.waitForFunction(() => (window.__recommendState as { user?: string } | undefined)?.user === '42');
    expect(await page.evaluate(() => window.__recommendState)).toEqual({ runId: 'movielens-20261202-071500-cd34', user: '42', exact: true, k: 5 });
    await page.close();
  });

  it('asks the host for exact search, another run and another user; while loading the controls wait', async () => {
    const page = await openPage();
    await post(page, showMessage());
    await page.waitForSelector('#recommendations');
    await page.click('[data-exact="true"]');
    await page.selectOption('#run', 'movielens-20261202-071500-cd34');
    await page.click('#another-user');
    const asked = (await posted(page)).filter((m) => m.type !== 'ready' && m.type !== 'rendered');
    expect(asked).toEqual([{ type: 'setExact', exact: true }, { type: 'setRun', runId: 'movielens-20261202-071500-cd34' }, { type: 'pickUser' }]);
    // The already-chosen search asks nothing.
    await page.click('[data-exact="false"]');
    expect((await posted(page)).filter((m) => m.type === 'setExact')).toHaveLength(1);

    await post(page, showMessage({ loading: true, table: undefined, exact: true }));
    await page.waitForSelector('#loading');
    expect(await page.textContent('#loading')).toMatch(/Asking run movielens-20261202-070000-ab12 for the top items of user 1/);
    expect(await page.$eval('#run', (s) => (s as HTMLSelectElement).disabled)).toBe(true);
    expect(await page.$eval('[data-exact="true"]', (b) => b.getAttribute('aria-checked'))).toBe('true');
    await page.close();
  });

  it('shows the trainer\'s error with what to do, instead of a table', async () => {
    const page = await openPage();
    const error = "Run movielens-20261202-070000-ab12 could not recommend for user nobody: 'nobody' is not a user of run movielens-20261202-070000-ab12 (its 610 users are e.g. '1', '2'). recommend serves the users the run trained on; embed a new user with: two-tower-lab export …";
    await post(page, showMessage({ user: 'nobody', table: undefined, error }));
    await page.waitForSelector('#error');
    expect(await page.textContent('#error')).toBe(error);
    expect(await page.$('#recommendations')).toBeNull();
    expect((await posted(page)).filter((m) => m.type === 'rendered')).toHaveLength(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'recommend-error.png') });
    await page.close();
  });
});
