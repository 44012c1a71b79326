import { expect } from 'vitest';

import type { ConfigDiagnostic } from '../../../src/core/config/diagnostics';

/** A small valid experiment on synthetic data; tests edit it line by line. */
export const SYNTHETIC = `name: tiny
data:
  synthetic:
    users: 50
    items: 200
user_tower:
  output_dim: 16
item_tower:
  output_dim: 16
training:
  mode: listwise
  loss: softmax
  negatives:
    source: in_batch
    logq_correction: true
evaluation:
  k: [10, 50]
`;

export function codes(diagnostics: readonly ConfigDiagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}

export function only(diagnostics: readonly ConfigDiagnostic[], code: string): ConfigDiagnostic {
  const found = diagnostics.filter((d) => d.code === code);
  expect(found, `expected exactly one ${code} in ${JSON.stringify(codes(diagnostics))}`).toHaveLength(1);
  return found[0]!;
}

/** 0-based [line, startChar, endLine, endChar] of a diagnostic, for compact position assertions. */
export function at(d: ConfigDiagnostic): [number, number, number, number] {
  return [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character];
}
