/**
 * `two-tower-lab embed <bundle> --users FILE | --items FILE [--out FILE]`: the vectors of users or items
 * given by their feature rows, computed from an export bundle (core/serving/embedRows.ts). Output: one
 * JSON line per row, `{"id", "known", "vector"}`, in the file's order; `known: false` marks an id the
 * model never saw (its ID embedding is the OOV row, its features still count).
 */
import * as path from 'node:path';
import { DataError } from '../core/data/errors';
import { openTable, type DataFormatName } from '../core/data/readers/open';
import { BundleError, readBundle } from '../core/serving/bundle';
import { embedRows } from '../core/serving/embedRows';
import { writeFileAtomic } from '../core/train/atomicWrite';
import type { BackendName } from '../shared/events';
import { parseCommandArgs, UsageError } from './args';
import type { ProgressSink } from './progress';
import { EXIT_INVALID } from './train';

export const EMBED_USAGE = `usage: two-tower-lab embed <bundle-dir> --users FILE | --items FILE [options]

Embeds users (or items) from their feature rows with an export bundle (two-tower-lab export <run-id>).
FILE is a table (csv, tsv, jsonl, parquet) with the id column and every feature column of the tower;
an id the model never saw gets the out-of-vocabulary ID row and its features still count (cold start).

  --out FILE            write the vectors there (JSON lines: id, known, vector); default: stdout
  --with-inputs         add each row's encoded input (rows: the table rows, values: the normalised values),
                        what the bundle's TorchScript towers (user_tower.pt, item_tower.pt) take,
                        and the tfjs towers (user_tower/, item_tower/) one input each
  --key COLUMN          the id column of FILE (default: the key column the tower trained with)
  --format F            the format of FILE: auto (default, from its name), csv, tsv, jsonl, parquet, movielens-latest, movielens-100k
  --backend tensorflow|wasm|cpu
`;

export interface EmbedArgs {
  bundle: string;
  side: 'user_tower' | 'item_tower';
  file: string;
  out?: string;
  key?: string;
  format: DataFormatName;
  backend?: BackendName;
  withInputs: boolean;
}

const FORMATS = ['auto', 'csv', 'tsv', 'jsonl', 'parquet', 'movielens-latest', 'movielens-100k'] as const;

export function parseEmbedArgs(argv: string[]): EmbedArgs {
  const { values: v, flags, positionals } = parseCommandArgs(argv, ['users', 'items', 'out', 'key', 'format', 'backend'], ['with-inputs']);
  if (positionals.length !== 1) throw new UsageError(`embed takes one bundle folder (two-tower-lab embed <bundle-dir> --users FILE), got ${positionals.length} positional arguments.`);
  if ((v.users === undefined) === (v.items === undefined)) throw new UsageError('embed needs exactly one of --users FILE or --items FILE.');
  const format = v.format ?? 'auto';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}; got '${format}'.`);
  const backend = v.backend;
  if (backend !== undefined && !['tensorflow', 'wasm', 'cpu'].includes(backend)) throw new UsageError(`--backend must be one of tensorflow, wasm, cpu; got '${backend}'.`);
  return {
    bundle: positionals[0],
    side: v.users !== undefined ? 'user_tower' : 'item_tower',
    file: (v.users ?? v.items)!,
    out: v.out,
    key: v.key,
    format: format as DataFormatName,
    backend: backend as BackendName | undefined,
    withInputs: flags['with-inputs'],
  };
}

export async function embedCommand(args: EmbedArgs, initBackend: (preferred?: BackendName) => Promise<BackendName>, stdout: ProgressSink, stderr: ProgressSink): Promise<number> {
  try {
    const bundle = readBundle(args.bundle);
    await initBackend(args.backend);
    const source = await openTable(path.resolve(args.file), args.format);
    const rows = await embedRows(bundle, args.side, source, args.key, args.withInputs);
    const lines: string[] = [];
    let unseen = 0;
    for (let r = 0; r < rows.ids.length; r++) {
      if (!rows.known[r]) unseen++;
      const vector = Array.from(rows.vectors.subarray(r * rows.dim, (r + 1) * rows.dim));
      lines.push(JSON.stringify({ id: rows.ids[r], known: rows.known[r] === 1, vector, ...(rows.inputs ? rows.inputs[r] : {}) }));
    }
    const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
    const what = args.side === 'user_tower' ? 'users' : 'items';
    if (args.out !== undefined) writeFileAtomic(path.resolve(args.out), text);
    else stdout.write(text);
    stderr.write(`embedded ${rows.ids.length} ${what} of ${args.file} (${unseen} with an id the model never saw: OOV ID row, features counted)${args.out !== undefined ? ` to ${args.out}` : ''}\n`);
    return 0;
  } catch (error) {
    if (error instanceof BundleError || error instanceof DataError) {
      stderr.write(`two-tower-lab embed: ${error.message}\n`);
      return EXIT_INVALID;
    }
    throw error;
  }
}
