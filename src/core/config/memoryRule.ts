/**
 * The language server's warning for a model too big to train comfortably: the memory estimate of
 * model/memory.ts from the vocabulary sizes it can know (the data probe's distinct users and items, or the
 * synthetic generator's counts), above MODEL_MEMORY_WARNING_BYTES, naming the key that makes it big.
 */
import { totalmem } from 'node:os';

import { estimateModelMemory, formatMemory, largestParts, memoryFigures, modelMemoryProblem, tooLongArray } from '../model/memory';
import type { ConfigDiagnostic } from './diagnostics';
import type { ConfigPath } from './document';
import { ruleDiagnostic, type RuleContext } from './rules';

/** Above this peak the language server warns (a laptop can spare a few GB; the trainer refuses what cannot be built). */
export const MODEL_MEMORY_WARNING_BYTES = 2e9;

/** Distinct users and items, when known; each ID table has one row more (out of vocabulary). */
export interface EntityCounts {
  users?: number;
  items?: number;
}

/** The config path of a part's key: `user_tower.categorical[0].embedding_dim` → ['user_tower', 'categorical', 0, 'embedding_dim']. */
function pathOf(key: string): ConfigPath {
  return key
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

export function modelMemoryRule(ctx: RuleContext, counts: EntityCounts): ConfigDiagnostic[] {
  const synthetic = ctx.config.data.synthetic;
  const users = counts.users ?? synthetic?.users;
  const items = counts.items ?? synthetic?.items;
  const estimate = estimateModelMemory(ctx.config, { idRows: { user_tower: users === undefined ? undefined : users + 1, item_tower: items === undefined ? undefined : items + 1 } });
  const problem = modelMemoryProblem(estimate, { memoryBytes: totalmem() });
  if (estimate.peakBytes <= MODEL_MEMORY_WARNING_BYTES && !problem) return [];
  const largest = estimate.parts[0];
  if (!largest) return [];
  const known = users !== undefined && items !== undefined ? ` (${users} users and ${items} items${synthetic ? ', from data.synthetic' : ' in the data'})` : '';
  // An array longer than a typed array can be fails on every machine: an error, so that no run starts.
  const tooLong = tooLongArray(estimate);
  if (tooLong && problem !== undefined) return [ruleDiagnostic(ctx, 'model-too-large', pathOf(tooLong.key), problem, { bytes: estimate.peakBytes, key: tooLong.key })];
  const message =
    problem !== undefined
      ? `${problem} The trainer refuses to build it on a machine with less memory.`
      : `The model needs ${memoryFigures(estimate)}${known}, above ${formatMemory(MODEL_MEMORY_WARNING_BYTES)}; its largest parts: ${largestParts(estimate)}. Lower \`${largest.key}\` unless this machine has the memory (embedding and layer sizes are usually 16–512).`;
  return [ruleDiagnostic(ctx, 'model-memory', pathOf(largest.key), message, { bytes: estimate.peakBytes, key: largest.key })];
}
