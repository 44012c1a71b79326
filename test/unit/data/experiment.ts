/** Builds a complete Experiment for data tests: the schema's defaults fill everything not given. */
import { Value } from '@sinclair/typebox/value';

import { ExperimentSchema, type Experiment } from '../../../src/core/config/schema';

export interface ExperimentParts {
  data: Record<string, unknown>;
  user_tower?: Record<string, unknown>;
  item_tower?: Record<string, unknown>;
}

export function experiment(parts: ExperimentParts): Experiment {
  const raw = { data: parts.data, user_tower: parts.user_tower ?? {}, item_tower: parts.item_tower ?? {} };
  const filled = Value.Default(ExperimentSchema, structuredClone(raw));
  if (!Value.Check(ExperimentSchema, filled)) {
    const first = [...Value.Errors(ExperimentSchema, filled)][0];
    throw new Error(`test experiment is invalid at ${first?.path}: ${first?.message}`);
  }
  return filled;
}
