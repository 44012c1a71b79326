/**
 * A data path that points at a file that is not a table (a passwd file, a private key, a .env file, a
 * token) never gets its content into a message: not from the data readers, not from the header probe,
 * not from the validator's diagnostics. A real header is still listed.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkExperimentText } from '../../../src/core/config/check';
import { createFileDataProbe, readColumns } from '../../../src/core/config/dataProbe';
import { DataError, missingColumnError } from '../../../src/core/data/errors';
import { loadDataset } from '../../../src/core/data/load';
import { columnList, isColumnName, jsonSyntaxProblem, looksLikeHeader } from '../../../src/core/data/readers/header';
import { openTable } from '../../../src/core/data/readers/open';
import { experiment } from './experiment';

/** Files that are not tables, each with the fragments that must never appear in a message. */
const SECRETS = {
  passwd: { text: 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n', fragments: ['root', '/bin/bash', 'daemon'] },
  key: { text: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n', fragments: ['BEGIN', 'OPENSSH', 'b3Blbn'] },
  env: { text: 'API_KEY=sk-live-4f9a8b7c6d5e\nDB_PASSWORD=hunter2\n', fragments: ['API_KEY', 'sk-live', 'hunter2'] },
  token: { text: 'ghp_16C7e42F292c6912E7710c838347Ae178B4a\n', fragments: ['ghp_', '16C7e42F'] },
  netrc: { text: 'machine example.com login alice password wonderland\n', fragments: ['alice', 'wonderland', 'example'] },
} as const;

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'header-leak-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, text);
  return file;
}

function expectNoContent(message: string, fragments: readonly string[]): void {
  for (const fragment of fragments) expect(message, `"${fragment}" leaked into: ${message}`).not.toContain(fragment);
}

describe('what counts as a header', () => {
  it('names: identifiers, a few words, ids with a few digits', () => {
    for (const name of ['user_id', 'movieId', 'u', 'Customer ID', 'Date of Birth', 'price ($)', 'rating_2023', 'é_année', '#count']) expect(isColumnName(name), name).toBe(true);
  });
  it('not names: the first lines of passwd, keys, .env, URLs, tokens, numbers and sentences', () => {
    for (const field of [
      'root:x:0:0:root:/root:/bin/bash',
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      'API_KEY=sk-live-4f9a8b7c6d5e',
      'https://example.com/a',
      'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
      'machine example.com login alice password wonderland',
      '196',
      '"quoted"',
      'x'.repeat(49),
    ]) {
      expect(isColumnName(field), field).toBe(false);
    }
  });
  it('a header is mostly names; a data row or a non-table line is not', () => {
    expect(looksLikeHeader(['user_id', 'item_id', 'rating', 'timestamp'])).toBe(true);
    // One odd name does not make a real header suspect.
    expect(looksLikeHeader(['user_id', 'item_id', 'clicked', 'price:eur'])).toBe(true);
    expect(looksLikeHeader(['196', '242', '3', '881250949'])).toBe(false);
    expect(looksLikeHeader(['root:x:0:0:root:/root:/bin/bash'])).toBe(false);
    expect(looksLikeHeader([])).toBe(false);
  });
  it('a column list leaves out what is not a name', () => {
    expect(columnList(['user_id', 'item_id'])).toBe("'user_id', 'item_id'");
    expect(columnList(['user_id', 'item_id', 'a=b'])).toBe("'user_id', 'item_id' and 1 more whose name is not shown (not plain names)");
    expect(columnList(['root:x:0:0'])).toBe('');
  });
  it("JSON.parse's message loses the text V8 quotes, keeps the position", () => {
    const problem = (text: string) => {
      try {
        JSON.parse(text);
      } catch (e) {
        return jsonSyntaxProblem(e);
      }
      throw new Error('parsed');
    };
    expect(problem('root:x:0:0:root:/root:/bin/bash')).toBe('an unexpected character');
    // `{"a":1,}`: the `}` at offset 7 is column 8.
    expect(problem('{"a":1,}')).toBe('Expected double-quoted property name at column 8');
    expect(problem('{"a":1} x')).toBe('Unexpected non-whitespace character after the JSON value at column 9');
  });
});

describe('the data readers never print a non-table file', () => {
  for (const [name, { text, fragments }] of Object.entries(SECRETS)) {
    for (const format of ['csv', 'tsv', 'jsonl'] as const) {
      it(`${name} read as ${format}: a DataError that names the file and shows none of it`, async () => {
        const file = await write(`${name}-${format}`, text);
        const error = await openTable(file, format).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DataError);
        const message = (error as DataError).message;
        expect(message).toContain(file);
        expect(message).toMatch(/not shown|not read as a table|not valid JSON/);
        expectNoContent(message, fragments);
      });
    }
  }

  it('a missing column of a table with odd names lists only the names', () => {
    const message = missingColumnError('/d/t.csv', 'user_id', 'the user column', ['uid', 'item_id', 'token=abc123'], 'data.interactions.columns.user').message;
    expect(message).toContain("The file's columns are: 'uid', 'item_id' and 1 more whose name is not shown");
    expect(message).not.toContain('abc123');
    const none = missingColumnError('/d/t.csv', 'user_id', 'the user column', ['root:x:0:0:root:/root:/bin/bash'], 'data.interactions.columns.user').message;
    expect(none).toContain('not shown');
    expectNoContent(none, ['root', 'bash']);
  });

  it('loadDataset on a passwd file as CSV: the error has no line of it', async () => {
    const file = await write('passwd.csv', SECRETS.passwd.text);
    const error = await loadDataset(experiment({ data: { interactions: { path: file, format: 'csv' }, split: { method: 'random' } } }), path.join(dir, 'x.tower.yaml')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataError);
    expectNoContent((error as Error).message, SECRETS.passwd.fragments);
  });

  it('a real header is read as before', async () => {
    const file = await write('ok.csv', 'user_id,item_id,Customer ID\nu1,i1,3\n');
    const table = await openTable(file, 'csv');
    expect(table.columns).toEqual(['user_id', 'item_id', 'Customer ID']);
    table.close();
  });
});

describe('the header probe and the validator never print a non-table file', () => {
  const experimentText = (dataPath: string, format: string) =>
    `data:\n  interactions:\n    path: ${JSON.stringify(dataPath)}\n    format: ${format}\n    columns: { user: user_id, item: item_id }\n  split: { method: random }\nuser_tower: {}\nitem_tower: {}\nevaluation: { k: [1] }\n`;

  for (const [name, { text, fragments }] of Object.entries(SECRETS)) {
    for (const format of ['csv', 'jsonl', 'auto'] as const) {
      it(`${name} as ${format}: one error on the path, saying it is not a table, none of its content`, async () => {
        const file = await write(`probe-${name}-${format}`, text);
        const columns = await readColumns(file, format);
        expect(columns).toBeInstanceOf(Error);
        expectNoContent((columns as Error).message, fragments);
        const { diagnostics } = await checkExperimentText(experimentText(file, format), { filePath: path.join(dir, 'x.tower.yaml'), probe: createFileDataProbe() });
        expect(diagnostics.map((d) => d.code)).toEqual(['data-file-unreadable']);
        expect(diagnostics[0].message).toContain(file);
        for (const d of diagnostics) expectNoContent(`${d.message} ${JSON.stringify(d.data)}`, fragments);
      });
    }
  }

  it('a header with some odd names: the missing column is reported, the odd names are not shown', async () => {
    const file = await write('odd.csv', 'uid,item_id,secret=abc123\nu1,i1,x\n');
    const { diagnostics } = await checkExperimentText(experimentText(file, 'csv'), { filePath: path.join(dir, 'x.tower.yaml'), probe: createFileDataProbe() });
    const unknown = diagnostics.filter((d) => d.code === 'unknown-column');
    expect(unknown).toHaveLength(1);
    expect(unknown[0].message).toContain('Its columns are: uid, item_id and 1 more whose name is not shown');
    for (const d of diagnostics) expectNoContent(`${d.message} ${JSON.stringify(d.data)}`, ['abc123']);
  });

  it('a bad JSON row met while counting items is described, not quoted', async () => {
    const file = await write('rows.jsonl', '{"user_id":"u1","item_id":"i1"}\nroot:x:0:0:root\n');
    const count = await createFileDataProbe().itemCount!(file, 'item_id', 'jsonl');
    expect(count).toBeInstanceOf(Error);
    expectNoContent((count as Error).message, ['root']);
  });
});
