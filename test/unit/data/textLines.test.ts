/**
 * recordLines: the line each data record starts on, which messages about later rows quote. Checked on a
 * small file by hand, and on files of several read chunks against a one-character-at-a-time reference.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordLines } from '../../../src/core/data/readers/textLines';

const dir = mkdtempSync(path.join(tmpdir(), 'text-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const f = path.join(dir, `t${n++}.csv`);
  writeFileSync(f, text);
  return f;
}

/** The definition, one character at a time: a record is non-blank (a byte other than \r); quotes hide newlines. */
function reference(text: string, skipFirst: boolean): number[] {
  const out: number[] = [];
  let line = 1;
  let start = 1;
  let bytes = 0;
  let inQuote = false;
  let skipped = !skipFirst;
  for (const ch of text) {
    if (bytes === 0 && !inQuote) start = line;
    if (ch === '"') {
      inQuote = !inQuote;
      bytes++;
    } else if (ch === '\n') {
      line++;
      if (!inQuote) {
        if (bytes > 0) {
          if (skipped) out.push(start);
          skipped = true;
        }
        bytes = 0;
      }
    } else if (ch !== '\r') bytes++;
  }
  if (bytes > 0 && skipped) out.push(start);
  return out;
}

describe('recordLines', () => {
  it('skips the header and blank lines, and a quoted field spanning lines starts its record on its first line', async () => {
    const text = 'user,item,note\r\nu1,i1,plain\r\n\r\n\r\r\nu2,i2,"two\nlines"\nu3,i3,"a ""quoted"" word"\n\nu4,i4,last';
    expect(Array.from((await recordLines(file(text), 0x22, true))!)).toEqual([2, 5, 7, 9]);
    expect(Array.from((await recordLines(file(text), 0x22, false))!)).toEqual([1, 2, 5, 7, 9]);
  });

  it('without quoting, a quote is a byte like any other', async () => {
    expect(Array.from((await recordLines(file('a|b\nx|"y\nz|w\n'), undefined, true))!)).toEqual([2, 3]);
  });

  it('agrees with the reference over many read chunks, with and without quotes', async () => {
    const rows: string[] = ['user,item,note'];
    for (let i = 0; i < 30000; i++) {
      if (i % 997 === 0) rows.push(`u${i},i${i},"line one\nline ""two""\n"`);
      else if (i % 1501 === 0) rows.push('');
      else rows.push(`u${i},i${i},${i % 3 === 0 ? '"q"' : 'x'}`);
    }
    const quoted = rows.join('\n');
    expect(Array.from((await recordLines(file(quoted), 0x22, true))!)).toEqual(reference(quoted, true));
    const plain = rows.filter((r) => !r.includes('"')).join('\r\n');
    expect(Array.from((await recordLines(file(plain), 0x22, true))!)).toEqual(reference(plain, true));
  });
});
