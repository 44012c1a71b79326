/**
 * A data path may name one file, a glob (`logs/*.parquet`, `logs/**\/part-*.csv.gz`) or a folder of
 * files (a Spark/Polars output directory). This module turns it into the list of files, in one place,
 * so that the trainer (which reads them with DuckDB) and the language server's data check (which must
 * not load DuckDB) see the same files. Globs: `*` and `?` within a name, `[abc]` classes, `**` for any
 * depth. In a folder, the files whose name has a data extension are read, in name order, and names
 * starting with `_` or `.` (`_SUCCESS`, `.crc` files) are skipped, as Spark and Hive do.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Extensions of the files a folder's contents are read from (a compression suffix may follow). */
const DATA_EXTENSIONS = /\.(csv|tsv|tab|jsonl|ndjson|json|parquet|pq)(\.(gz|zst))?$/i;

export function isGlob(p: string): boolean {
  return /[*?[]/.test(p);
}

/** A regular expression for one path segment of a glob. */
function segmentPattern(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = segment.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re += `[${segment.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function entries(dir: string): Promise<{ name: string; isDir: boolean }[]> {
  try {
    const list = await fs.readdir(dir, { withFileTypes: true });
    return list.map((e) => ({ name: e.name, isDir: e.isDirectory() })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

async function expandGlob(absPattern: string): Promise<string[]> {
  const root = path.parse(absPattern).root;
  const segments = absPattern.slice(root.length).split(/[\\/]+/).filter((s) => s !== '');
  const out: string[] = [];
  async function walk(dir: string, at: number): Promise<void> {
    if (at === segments.length) return;
    const segment = segments[at];
    const last = at === segments.length - 1;
    if (segment === '**') {
      // `**` matches zero or more folders.
      await walk(dir, at + 1);
      for (const e of await entries(dir)) if (e.isDir) await walk(path.join(dir, e.name), at);
      return;
    }
    if (!isGlob(segment)) {
      const next = path.join(dir, segment);
      if (last) {
        try {
          if ((await fs.stat(next)).isFile()) out.push(next);
        } catch {
          // Not there: matches nothing.
        }
      } else await walk(next, at + 1);
      return;
    }
    const re = segmentPattern(segment);
    for (const e of await entries(dir)) {
      if (!re.test(e.name)) continue;
      if (last) {
        if (!e.isDir) out.push(path.join(dir, e.name));
      } else if (e.isDir) await walk(path.join(dir, e.name), at + 1);
    }
  }
  await walk(root, 0);
  return [...new Set(out)];
}

async function folderFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await entries(dir)) {
    if (e.name.startsWith('_') || e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDir) out.push(...(await folderFiles(full)));
    else if (DATA_EXTENSIONS.test(e.name)) out.push(full);
  }
  return out;
}

/**
 * The files an absolute data path names: itself when it is a file (or does not exist: the reader then
 * says so), the matches of a glob, or the data files of a folder. Empty when a glob or folder matches nothing.
 */
export async function expandDataPath(absPath: string): Promise<{ kind: 'file' | 'glob' | 'folder'; files: string[] }> {
  if (isGlob(absPath)) return { kind: 'glob', files: await expandGlob(absPath) };
  try {
    if ((await fs.stat(absPath)).isDirectory()) return { kind: 'folder', files: await folderFiles(absPath) };
  } catch {
    // Missing: reported by the reader, which knows the remedy.
  }
  return { kind: 'file', files: [absPath] };
}

/** The compression of a file, from its name (what DuckDB's `compression='auto'` decides too). */
export function compressionOf(file: string): 'gzip' | 'zstd' | undefined {
  if (/\.gz$/i.test(file)) return 'gzip';
  if (/\.zst$/i.test(file)) return 'zstd';
  return undefined;
}

/** The name without a compression suffix: `log.csv.gz` → `log.csv`, so that the format is read from `.csv`. */
export function withoutCompression(file: string): string {
  return file.replace(/\.(gz|zst)$/i, '');
}
