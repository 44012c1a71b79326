/**
 * The front door's side of a torch run's ANN figures (src/trainer/torch/annEvalService.ts): it answers
 * the request rank 0 leaves in the run folder with what the tfjs engine's evaluator gives for the same
 * vectors, and a bad request gets an error answer rather than no answer (rank 0 would wait).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import type { ServingConfig } from '../../../src/core/config/schema';
import { evaluateRetrievalPerUser } from '../../../src/core/eval/retrieval';
import { dotScorer } from '../../../src/core/eval/scorers';
import { RunEvaluator } from '../../../src/core/train/runEval';
import { ANN_EVAL_DIR, AnnEvalService, type AnnEvalRequest, type AnnEvalResponse } from '../../../src/trainer/torch/annEvalService';
import { tinyDataset } from '../train/tinyDataset';

const runFolders: string[] = [];
function runFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ttl-ann-service-'));
  runFolders.push(dir);
  return dir;
}
afterAll(() => runFolders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const SERVING: ServingConfig = { index: true, connectivity: 16, expansion_add: 128, expansion_search: 64, quantization: 'f32' };
const EVALUATION = { k: [2, 5], metrics: ['recall' as const, 'ndcg' as const], every: 1, exclude_seen: true, cold_start: 'drop' as const };

/** Item i at angle i·0.3, user u at angle u·0.5 (2-d unit vectors), as rank 0 would send them. */
const itemVectors = Float32Array.from({ length: 22 }, (_, j) => (j < 2 ? 0 : j % 2 === 0 ? Math.cos((j >> 1) * 0.3) : Math.sin((j >> 1) * 0.3)));
const userVector = (u: number): number[] => [Math.cos(u * 0.5), Math.sin(u * 0.5)];

/** Exact top-k lists as rank 0 computes them: the same plan ranked by the dot product of the same vectors. */
function exactTops(evaluator: RunEvaluator, items: Float32Array): { users: number[]; k: number; tops: Int32Array } {
  const k = Math.max(...EVALUATION.k);
  const rows = new Map<number, Int32Array>();
  evaluateRetrievalPerUser(evaluator.plan, dotScorer((us) => Float32Array.from([...us].flatMap(userVector)), items, 2), (u, top, found) => rows.set(u, top.slice(0, found)));
  const users = [...rows.keys()];
  const tops = new Int32Array(users.length * k).fill(-1);
  users.forEach((u, r) => tops.set(rows.get(u)!, r * k));
  return { users, k, tops };
}

function request(runDir: string, tag: string, users: number[], final: boolean, evaluator: RunEvaluator, items = itemVectors, exact = exactTops(evaluator, items)): void {
  const dir = path.join(runDir, ANN_EVAL_DIR);
  const vectors = Float32Array.from([...users.flatMap(userVector), ...items]);
  writeFileSync(path.join(dir, `request-${tag}.bin`), new Uint8Array(vectors.buffer));
  writeFileSync(path.join(dir, `request-${tag}.top.bin`), new Uint8Array(exact.tops.buffer, exact.tops.byteOffset, exact.tops.byteLength));
  const body: AnnEvalRequest = { epoch: 1, final, users, items: items.length / 2, dim: 2, exactTop: { users: exact.users, k: exact.k } };
  writeFileSync(path.join(dir, `request-${tag}.json`), JSON.stringify(body));
}

const response = (runDir: string, tag: string): AnnEvalResponse => JSON.parse(readFileSync(path.join(runDir, ANN_EVAL_DIR, `response-${tag}.json`), 'utf8'));

describe('AnnEvalService', () => {
  it("answers with the tfjs evaluator's ann_recall@K, ann/ metrics and index for the same vectors, once per request", () => {
    const runDir = runFolder();
    const evaluator = new RunEvaluator(tinyDataset(), EVALUATION, 1, { serving: SERVING, metric: 'cosine' });
    const service = new AnnEvalService(runDir, evaluator);
    const users = Array.from(evaluator.plan.users);
    request(runDir, '1-final', users, true, evaluator);
    expect(service.answerPending()).toBe(1);
    // Answered already: not again.
    expect(service.answerPending()).toBe(0);
    const got = response(runDir, '1-final');
    const direct = evaluator.evaluate({
      outputDim: 2,
      itemVectors: () => itemVectors,
      userVectors: (us) => Float32Array.from([...us].flatMap(userVector)),
    });
    if ('error' in got) throw new Error(got.error);
    const keys = Object.keys(got.metrics);
    expect(keys).toEqual(expect.arrayContaining(['ann/ndcg@2', 'ann/ndcg@5', 'ann/recall@2', 'ann/recall@5', 'ann_recall@2', 'ann_recall@5']));
    // Only the index's figures, and every one the evaluator gave.
    expect(keys.every((key) => key.startsWith('ann/') || key.startsWith('ann_recall@'))).toBe(true);
    expect(keys.sort()).toEqual(Object.keys(direct.metrics).filter((key) => key.startsWith('ann/') || key.startsWith('ann_recall@')).sort());
    for (const [key, value] of Object.entries(got.metrics)) expect(value, key).toBeCloseTo(direct.metrics[key], 12);
    // No exact metric: rank 0 has its own.
    expect(got.metrics['recall@2']).toBeUndefined();
    expect(got.index).toMatchObject({ items: 10, metric: 'cosine', connectivity: 16, expansionSearch: 64 });
  });

  it('a request that lacks an evaluated user, or whose .bin is short, gets an error answer and a warning', () => {
    const runDir = runFolder();
    const warnings: string[] = [];
    const evaluator = new RunEvaluator(tinyDataset(), EVALUATION, 1, { serving: SERVING, metric: 'cosine' });
    const service = new AnnEvalService(runDir, evaluator, (m) => warnings.push(m));
    const users = Array.from(evaluator.plan.users);
    request(runDir, '1-epoch', users.slice(1), false, evaluator);
    const exact = exactTops(evaluator, itemVectors);
    request(runDir, '2-epoch', users, false, evaluator, itemVectors.subarray(0, 20), exact);
    writeFileSync(path.join(runDir, ANN_EVAL_DIR, 'request-2-epoch.json'), JSON.stringify({ epoch: 2, final: false, users, items: 11, dim: 2, exactTop: { users: exact.users, k: exact.k } }));
    // The top lists one user short.
    request(runDir, '3-epoch', users, false, evaluator, itemVectors, { ...exact, tops: exact.tops.subarray(0, exact.tops.length - exact.k) });
    expect(service.answerPending()).toBe(3);
    const missing = response(runDir, '1-epoch');
    expect('error' in missing && missing.error).toMatch(new RegExp(`user row ${users[0]} is evaluated but rank 0 sent no vector for it`));
    const short = response(runDir, '2-epoch');
    expect('error' in short && short.error).toMatch(/request-2-epoch\.bin holds \d+ bytes, the request says \d+ float32 values/);
    const shortTops = response(runDir, '3-epoch');
    expect('error' in shortTops && shortTops.error).toMatch(/request-3-epoch\.top\.bin holds \d+ bytes, the request says \d+ int32 values/);
    expect(warnings).toHaveLength(3);
  });

  it('measures ann_recall@K against the top lists rank 0 sent, without ranking every item again', () => {
    const runDir = runFolder();
    const evaluator = new RunEvaluator(tinyDataset(), EVALUATION, 1, { serving: SERVING, metric: 'cosine' });
    const service = new AnnEvalService(runDir, evaluator);
    const users = Array.from(evaluator.plan.users);
    const exact = exactTops(evaluator, itemVectors);
    request(runDir, '1-epoch', users, false, evaluator, itemVectors, exact);
    // Top lists of items no user ranks first (reversed): the index's answers now overlap them less.
    const reversed = exact.tops.slice();
    exact.users.forEach((_, r) => {
      const row = reversed.subarray(r * exact.k, (r + 1) * exact.k);
      const found = row.indexOf(-1) < 0 ? exact.k : row.indexOf(-1);
      row.subarray(0, found).reverse();
    });
    request(runDir, '2-epoch', users, false, evaluator, itemVectors, { ...exact, tops: reversed });
    expect(service.answerPending()).toBe(2);
    const right = response(runDir, '1-epoch');
    const wrong = response(runDir, '2-epoch');
    if ('error' in right || 'error' in wrong) throw new Error('unexpected error answer');
    // Same top-5 sets reversed: recall@5 of the sets is unchanged, recall@2 of the first two drops.
    expect(wrong.metrics['ann_recall@5']).toBeCloseTo(right.metrics['ann_recall@5'], 12);
    expect(wrong.metrics['ann_recall@2']).toBeLessThan(right.metrics['ann_recall@2']);
    // The index's own metrics do not depend on the exact lists.
    expect(wrong.metrics['ann/recall@2']).toBe(right.metrics['ann/recall@2']);
  });

  it("removes what a dead launch left in the exchange folder when it starts", () => {
    const runDir = runFolder();
    mkdirSync(path.join(runDir, ANN_EVAL_DIR));
    writeFileSync(path.join(runDir, ANN_EVAL_DIR, 'response-3-epoch.json'), '{}');
    new AnnEvalService(runDir, new RunEvaluator(tinyDataset(), EVALUATION, 1, { serving: SERVING, metric: 'cosine' }));
    expect(existsSync(path.join(runDir, ANN_EVAL_DIR, 'response-3-epoch.json'))).toBe(false);
  });
});
