/**
 * schemas/events.schema.json is generated from src/shared/events.ts and must not drift from it; every
 * event the real trainer writes validates against it, and events with a wrong or missing field do not
 * (so the same schema can fail the torch workers' Python writer).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { eventsJsonSchemaText } from '../../scripts/eventsSchema';
import { EVENTS_SCHEMA_FILE, eventValidator } from '../shared/eventsValidator';
import { cleanup, REPO, runTrainer, workspace } from './trainerProcess';

afterAll(cleanup);

describe('events JSON Schema', () => {
  it('the committed schemas/events.schema.json is what src/shared/events.ts generates (else: npm run generate:schema)', () => {
    expect(readFileSync(EVENTS_SCHEMA_FILE, 'utf8')).toBe(eventsJsonSchemaText(REPO));
  }, 60_000);

  it('accepts every event of a real trainer run (with hard negatives and rebalancing) and rejects broken ones', async () => {
    const cwd = workspace();
    const example = path.join(REPO, 'examples', 'synthetic.tower.yaml');
    const sets = ['data.synthetic.users=300', 'data.synthetic.items=200', 'data.synthetic.ranking_log=true', 'training.negatives.hard.source=ranking_log', 'training.negatives.per_positive=2', 'training.positives.rebalance.method=exponent'];
    const r = await runTrainer(['train', example, '--epochs', '2', '--runs-dir', 'runs', ...sets.flatMap((s) => ['--set', s])], cwd);
    expect(r.code, r.stderr).toBe(0);
    const [runId] = readdirSync(path.join(cwd, 'runs'));
    const lines = readFileSync(path.join(cwd, 'runs', runId, 'events.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    const validate = eventValidator();
    const types = new Set<string>();
    for (const line of lines) {
      const event = JSON.parse(line) as { type: string };
      types.add(event.type);
      expect(validate(event), `${line.slice(0, 200)}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect([...types].sort()).toEqual(['checkpoint', 'ended', 'epoch', 'eval', 'sampling', 'started', 'step']);
    const epoch = { schemaVersion: 1, time: '2026-12-02T00:00:00Z', runId: 'r', type: 'epoch', epoch: 1, step: 10, loss: 0.5, durationSec: 1, examplesPerSec: 100, elapsedSec: 1 };
    expect(validate(epoch), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...epoch, loss: 'low' })).toBe(false);
    expect(validate({ ...epoch, unknownField: 1 })).toBe(false);
    const { step: _step, ...withoutStep } = epoch;
    expect(validate(withoutStep)).toBe(false);
    expect(validate({ ...epoch, type: 'epochs' })).toBe(false);
  }, 120_000);
});
