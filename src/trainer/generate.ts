/** `two-tower-lab generate`: write a synthetic data set (the same as `data.synthetic` generates) to CSV files. */
import { Value } from '@sinclair/typebox/value';
import * as path from 'node:path';
import { SyntheticData, type SyntheticConfig } from '../core/config/schema';
import { generateSynthetic } from '../core/data/synthetic';
import { writeSynthetic } from '../core/data/syntheticTables';
import type { GenerateArgs } from './args';
import type { ProgressSink } from './progress';

export async function generateCommand(args: GenerateArgs, out: ProgressSink): Promise<number> {
  const cfg = Value.Default(SyntheticData, { ...(args.users !== undefined ? { users: args.users } : {}), ...(args.items !== undefined ? { items: args.items } : {}) }) as SyntheticConfig;
  const seed = args.seed ?? 42;
  const data = generateSynthetic(cfg, seed);
  const files = await writeSynthetic(path.resolve(args.out), data);
  out.write(`generated ${cfg.users} users × ${cfg.items} items (seed ${seed}):\n${files.map((f) => `  ${f}`).join('\n')}\n`);
  return 0;
}
