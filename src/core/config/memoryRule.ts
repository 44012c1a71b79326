/**
 * The language server's warning for a model too big to train comfortably: the memory estimate of
 * model/memory.ts from the vocabulary sizes it can know (the data probe's distinct users and items, or the
 * synthetic generator's counts), above MODEL_MEMORY_WARNING_BYTES, naming the key that makes it big.
 */
import { totalmem } from 'node:os';

import { estimateModelMemory, formatMemory, largestParts, memoryFigures, modelMemoryProblem, tooLongArray, type MemoryEstimate } from '../model/memory';
import { estimateTorchMemory, TORCH_BYTES_PER_POSITIVE } from '../model/torchMemory';
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
  // An array longer than a typed array can be fails on every machine and on either engine (the torch
  // front door and `eval`/`export` read the checkpoint's weights in Node): an error, so that no run starts.
  const tooLong = tooLongArray(estimate);
  const tooLongProblem = tooLong && modelMemoryProblem(estimate, { memoryBytes: Infinity });
  if (tooLong && tooLongProblem) return [ruleDiagnostic(ctx, 'model-too-large', pathOf(tooLong.key), tooLongProblem, { bytes: estimate.peakBytes, key: tooLong.key })];
  if (ctx.config.training.engine === 'torch') return torchMemoryRule(ctx, estimate, users, items);
  const problem = modelMemoryProblem(estimate, { memoryBytes: totalmem() });
  if (estimate.peakBytes <= MODEL_MEMORY_WARNING_BYTES && !problem) return [];
  const largest = estimate.parts[0];
  if (!largest) return [];
  const known = users !== undefined && items !== undefined ? ` (${users} users and ${items} items${synthetic ? ', from data.synthetic' : ' in the data'})` : '';
  const message =
    problem !== undefined
      ? `${problem} The trainer refuses to build it on a machine with less memory.`
      : `The model needs ${memoryFigures(estimate)}${known}, above ${formatMemory(MODEL_MEMORY_WARNING_BYTES)}; its largest parts: ${largestParts(estimate)}. Lower \`${largest.key}\` unless this machine has the memory (embedding and layer sizes are usually 16–512).`;
  return [ruleDiagnostic(ctx, 'model-memory', pathOf(largest.key), message, { bytes: estimate.peakBytes, key: largest.key })];
}

/**
 * The torch engine's figures: a replica in every process, so the node's memory is what counts, and it
 * grows with `engine_options.processes`. Compared with this machine's memory only for a run of one node
 * (the nodes of a job are other machines). An array too long for Node was refused before, as for tfjs.
 */
function torchMemoryRule(ctx: RuleContext, estimate: MemoryEstimate, users: number | undefined, items: number | undefined): ConfigDiagnostic[] {
  const largest = estimate.parts[0];
  if (!largest) return [];
  const torch = estimateTorchMemory(estimate, ctx.config);
  const local = torch.nodes === 1;
  const machine = totalmem();
  const overMachine = local && torch.nodePeakBytes > machine;
  if (torch.nodePeakBytes <= MODEL_MEMORY_WARNING_BYTES && !overMachine) return [];
  const at = estimate.lowerBound ? 'at least ' : '≈ ';
  const known = users !== undefined && items !== undefined ? ` (${users} users and ${items} items)` : '';
  const gpu = ctx.config.training.engine_options.device === 'cuda' ? ' (on its GPU)' : '';
  const shape = torch.processes === 1 ? 'one process' : `${torch.processes} processes`;
  const figures =
    `${at}${formatMemory(torch.nodePeakBytes)} on ${local ? 'this node' : 'the first node'} at its peak with ${shape}${known}: ` +
    `${formatMemory(torch.perProcessBytes)} per process${gpu} for its replica (weights, optimizer state, dense gradients${torch.processes * torch.nodes > 1 ? " and DDP's buckets" : ''}), ` +
    `and rank 0 holds the weights and optimizer state 3 times more while it writes a checkpoint; ` +
    `each process also keeps ≈ ${TORCH_BYTES_PER_POSITIVE.resident} B per training positive (${TORCH_BYTES_PER_POSITIVE.startUp} B at start-up)`;
  const remedy = torch.processes > 1 ? `Lower \`${largest.key}\`, or use fewer \`engine_options.processes\` (each holds a whole replica).` : `Lower \`${largest.key}\` unless the node has the memory.`;
  const verdict = overMachine ? ` That is more than this machine's ${formatMemory(machine)} of memory.` : '';
  const message = `With the torch engine the model needs ${figures}.${verdict} Its largest parts: ${largestParts(estimate)}. ${remedy}`;
  return [ruleDiagnostic(ctx, 'model-memory', pathOf(largest.key), message, { bytes: torch.nodePeakBytes, key: largest.key })];
}
