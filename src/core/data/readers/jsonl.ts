/**
 * JSON Lines reader: one object per line, decoded chunk by chunk. The columns are the keys of the
 * first object; a later row that lacks one of them gives an empty cell.
 */
import { createReadStream } from 'node:fs';

import { DataError } from '../errors';
import { headerShape, jsonSyntaxProblem, looksLikeHeader } from './header';
import type { Cell, RowHandler, TableSource } from './source';

export async function openJsonl(file: string): Promise<TableSource> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const chunks = (stream as AsyncIterable<string>)[Symbol.asyncIterator]();
  let pending = '';
  let lineNo = 0;
  let ended = false;

  /** Complete lines available now (reading more of the file when none is). */
  async function moreLines(): Promise<string[]> {
    for (;;) {
      if (ended) {
        if (pending === '') return [];
        const last = pending;
        pending = '';
        return [last];
      }
      let next: IteratorResult<string>;
      try {
        next = await chunks.next();
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'ENOENT') throw new DataError(`No such file: ${file}. Check the path (it is resolved relative to the experiment file).`, { file });
        throw new DataError(`${file}: cannot read the file: ${err.message}`, { file });
      }
      if (next.done) {
        ended = true;
        continue;
      }
      const text = pending + next.value;
      const cut = text.lastIndexOf('\n');
      if (cut < 0) {
        pending = text;
        continue;
      }
      pending = text.slice(cut + 1);
      return text.slice(0, cut).split('\n');
    }
  }

  function parseLine(text: string, line: number): Record<string, unknown> | undefined {
    const trimmed = text.trim();
    if (trimmed === '') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (e) {
      throw new DataError(`${file}:${line}: not valid JSON (${jsonSyntaxProblem(e)}). Each line must be one JSON object.`, { file, row: line });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new DataError(`${file}:${line}: expected a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}. Each line must be one JSON object.`, { file, row: line });
    }
    return parsed as Record<string, unknown>;
  }

  // Find the first object: it names the columns.
  let buffered: string[] = [];
  let first: Record<string, unknown> | undefined;
  let firstLine = 0;
  while (!first) {
    if (buffered.length === 0) buffered = await moreLines();
    if (buffered.length === 0) {
      stream.destroy();
      throw new DataError(`${file}: the file is empty. Give one JSON object per line.`, { file });
    }
    firstLine = ++lineNo;
    first = parseLine(buffered.shift()!, firstLine);
  }
  const columns = Object.keys(first);
  if (!looksLikeHeader(columns)) {
    stream.destroy();
    throw new DataError(
      `${file}:${firstLine}: the keys of the first object do not look like column names (${headerShape(columns)}), so the file is not read as a table. Its content is not shown. Check that the path points at the data table: one JSON object per line, whose keys name the columns (e.g. {"user_id": "u1", "item_id": "i1"}).`,
      { file, row: firstLine },
    );
  }
  const values = new Array<Cell>(columns.length);
  const emit = (o: Record<string, unknown>, line: number, onRow: RowHandler) => {
    for (let c = 0; c < columns.length; c++) values[c] = toCell(o[columns[c]]);
    onRow(values, line);
  };
  const head = first;

  return {
    file,
    columns,
    async read(onRow) {
      try {
        emit(head, firstLine, onRow);
        for (let lines = buffered; lines.length > 0; lines = await moreLines()) {
          for (const text of lines) {
            const o = parseLine(text, ++lineNo);
            if (o) emit(o, lineNo, onRow);
          }
        }
      } finally {
        stream.destroy();
      }
    },
    close() {
      stream.destroy();
    },
  };
}

function toCell(v: unknown): Cell {
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  return JSON.stringify(v);
}
