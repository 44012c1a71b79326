/** Go to definition on a data path (`data.interactions.path: ratings.csv`) opens the file. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Location } from 'vscode-languageserver/node';

import { keyAtLine } from './cursorContext';
import { dottedPath } from './hover';

const DATA_PATH = /^data\.(interactions|user_features|item_features|ranking_log)\.path$/;

export async function definitionAt(lines: readonly string[], line: number, character: number, filePath: string): Promise<Location | null> {
  const found = keyAtLine(lines, line);
  if (!found || !DATA_PATH.test(dottedPath(found.path))) return null;
  const { shape } = found;
  const raw = shape.value ?? '';
  if (raw === '' || shape.valueColumn === undefined || character < shape.valueColumn || character > shape.valueColumn + raw.length) return null;
  const target = path.resolve(path.dirname(filePath), raw.replace(/^["']|["']$/g, ''));
  try {
    const stat = await fs.stat(target);
    if (!stat.isFile()) return null;
  } catch (error) {
    // A missing file has its own diagnostic (data-file-missing); there is nothing to go to.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return { uri: pathToFileURL(target).href, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
}
