/**
 * The shipped example (listwise in-batch with logQ) trained by the real trainer process with
 * `--mode pairwise` and `--mode pointwise`: in-batch negatives are drawn from the batch as sampled
 * negatives, logQ is ignored with a warning, and the run completes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEventLines, type EndedEvent, type EvalEvent, type SamplingEvent, type StartedEvent } from '../../src/shared/events';
import { cleanup, REPO, runTrainer, workspace } from './trainerProcess';

afterAll(cleanup);

const EXAMPLE = path.join(REPO, 'examples', 'synthetic.tower.yaml');

describe('two-tower-lab train examples/synthetic.tower.yaml with in-batch negatives', () => {
  it.each([
    ['pairwise', 'hinge'],
    ['pointwise', 'bce'],
  ])('--mode %s trains one epoch on negatives drawn from the batch', async (mode, loss) => {
    const cwd = workspace();
    const r = await runTrainer(['train', EXAMPLE, '--mode', mode, '--epochs', '1', '--runs-dir', 'runs'], cwd);
    expect(r.stderr).toMatch(new RegExp(`synthetic\\.tower\\.yaml:\\d+:\\d+: warning logq-needs-softmax: logQ correction has no effect with \`mode: ${mode}\``));
    expect(r.stderr).not.toMatch(/needs sampled negatives/);
    expect(r.code).toBe(0);
    const [runId] = readdirSync(path.join(cwd, 'runs'));
    const events = parseEventLines(readFileSync(path.join(cwd, 'runs', runId, 'events.jsonl'), 'utf8')).events;
    const started = events.find((e): e is StartedEvent => e.type === 'started');
    expect(started).toMatchObject({ mode, loss });
    // What sampling aims at and what was drawn: in-batch negatives only, and no logQ p_i (it is off for this mode).
    expect(Object.keys(started?.sampling?.distribution?.negatives ?? {})).toEqual(['in_batch']);
    const sampling = events.find((e): e is SamplingEvent => e.type === 'sampling');
    const drawn = sampling?.distribution.negatives ?? {};
    expect(drawn.in_batch.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(sampling?.distribution.logqP).toBeUndefined();
    const evalEvent = events.find((e): e is EvalEvent => e.type === 'eval');
    expect(evalEvent?.metrics['recall@50']).toBeGreaterThan(0);
    expect(events.filter((e): e is EndedEvent => e.type === 'ended').at(-1)).toMatchObject({ status: 'completed', epoch: 1 });
  });
});
