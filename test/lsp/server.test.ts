/** The language server over its real process (stdio): diagnostics, completion, hover, quick fixes, outline, definition, lenses. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeAction, CodeLens, CompletionItem, CompletionList, Diagnostic, DocumentSymbol, Hover, Location } from 'vscode-languageserver/node';

import { applyEdits, FIXTURES, fixtureUri, LspTestClient, positionOf } from './lspClient';

const VALID = readFileSync(path.join(FIXTURES, 'valid.tower.yaml'), 'utf8');

let client: LspTestClient;
let counter = 0;
/** A fresh document URI in the fixture folder, so data paths resolve against test/fixtures/lsp. */
const newUri = (): string => fixtureUri(`doc-${++counter}.tower.yaml`);

beforeAll(async () => {
  client = await LspTestClient.start();
});
afterAll(async () => {
  await client?.stop();
});

async function complete(uri: string, line: number, character: number): Promise<CompletionItem[]> {
  const result = await client.connection.sendRequest<CompletionItem[] | CompletionList | null>('textDocument/completion', { textDocument: { uri }, position: { line, character } });
  return Array.isArray(result) ? result : (result?.items ?? []);
}

async function hover(uri: string, line: number, character: number): Promise<string> {
  const result = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  const contents = result?.contents;
  return contents && typeof contents === 'object' && 'value' in contents ? contents.value : '';
}

async function codeActions(uri: string, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
  return client.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: diagnostics[0].range,
    context: { diagnostics },
  });
}

/** Opens `text`, expects exactly one diagnostic with `code`, applies the quick fix titled like `title`, and returns the new text and its diagnostics. */
async function fixOnce(text: string, code: string, title: RegExp): Promise<{ fixed: string; after: Diagnostic[]; diagnostic: Diagnostic }> {
  const uri = newUri();
  const diagnostics = (await client.open(uri, text)).filter((d) => d.code === code);
  expect(diagnostics, `expected one ${code} diagnostic`).toHaveLength(1);
  const actions = await codeActions(uri, diagnostics);
  const action = actions.find((a) => title.test(a.title));
  expect(action, `no action like ${title} among ${JSON.stringify(actions.map((a) => a.title))}`).toBeDefined();
  const edits = action!.edit!.changes![uri];
  const fixed = applyEdits(text, edits);
  const after = await client.change(uri, fixed);
  await client.close(uri);
  return { fixed, after, diagnostic: diagnostics[0] };
}

describe('initialize and diagnostics', () => {
  it('declares the features', async () => {
    const other = await LspTestClient.start();
    try {
      const result = await other.connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', { processId: null, rootUri: null, capabilities: {} });
      for (const capability of ['completionProvider', 'hoverProvider', 'codeActionProvider', 'documentSymbolProvider', 'definitionProvider', 'codeLensProvider']) {
        expect(result.capabilities[capability], capability).toBeTruthy();
      }
    } finally {
      await other.stop();
    }
  });

  it('publishes no diagnostic for a valid experiment', async () => {
    expect(await client.open(newUri(), VALID)).toEqual([]);
  });

  it('publishes a semantic error with its code and exact range, and didChange clears it', async () => {
    const uri = newUri();
    const text = VALID.replace('source: in_batch', 'source: impressed_not_clicked');
    const diagnostics = await client.open(uri, text);
    expect(diagnostics.map((d) => d.code)).toEqual(['impressed-negatives']);
    // `    source: impressed_not_clicked` is line 31 (0-based 30); the value spans characters 12..33.
    expect(diagnostics[0].range).toEqual({ start: { line: 30, character: 12 }, end: { line: 30, character: 33 } });
    expect(diagnostics[0].severity).toBe(1);
    expect(diagnostics[0].message).toMatch(/ranking models/);
    expect(await client.change(uri, VALID)).toEqual([]);
  });

  it('publishes a warning for logQ over uniform negatives, and none for popularity (the sampled softmax corrects by log Q_j)', async () => {
    const uri = newUri();
    const warned = await client.open(uri, VALID.replace('source: in_batch', 'source: uniform'));
    expect(warned.map((d) => [d.code, d.severity])).toEqual([['logq-uniform-constant', 2]]);
    expect(warned[0].range).toEqual({ start: { line: 31, character: 21 }, end: { line: 31, character: 25 } });
    expect(await client.change(uri, VALID.replace('source: in_batch', 'source: popularity'))).toEqual([]);
  });

  it('shows a misspelled key and a rule warning at once (schema errors do not hide the rules)', async () => {
    const uri = newUri();
    const both = await client.open(uri, VALID.replace('source: in_batch', 'source: uniform').replace('batch_size:', 'batch_sise:'));
    expect(both.map((d) => d.code).sort()).toEqual(['logq-uniform-constant', 'schema-unknown-key']);
    await client.close(uri);
  });

  it('reports a YAML syntax error where it is', async () => {
    const text = VALID.replace('  epochs: 2', ' epochs: 2');
    const diagnostics = await client.open(newUri(), text);
    expect(diagnostics.map((d) => d.code)).toEqual(['yaml-syntax']);
    // ` epochs: 2` is 0-based line 33, misaligned with its siblings at column 2.
    expect(diagnostics[0].range.start).toEqual({ line: 33, character: 0 });
    expect(diagnostics[0].message).toMatch(/align/);
  });

  it('reports a tab used as indentation and a duplicate key on their lines', async () => {
    const tabbed = VALID.replace('  epochs: 2', '\tepochs: 2');
    const tabLine = tabbed.split('\n').findIndex((l) => l.startsWith('\t'));
    const tabs = await client.open(newUri(), tabbed);
    expect(tabs.map((d) => d.code)).toContain('yaml-syntax');
    expect(tabs.some((d) => d.range.start.line === tabLine)).toBe(true);
    const duplicated = VALID.replace('  epochs: 2', '  epochs: 2\n  epochs: 3');
    const dupLine = duplicated.split('\n').indexOf('  epochs: 3');
    const dups = await client.open(newUri(), duplicated);
    expect(dups.map((d) => d.code)).toEqual(['yaml-syntax']);
    expect(dups[0].range.start.line).toBe(dupLine);
    expect(dups[0].message).toMatch(/unique|duplicate/i);
  });

  it('reports a column that the data file does not have, read from its header', async () => {
    const text = VALID.replace('    - name: country', '    - name: contry');
    const diagnostics = await client.open(newUri(), text);
    expect(diagnostics.map((d) => d.code)).toEqual(['unknown-column']);
    const at = positionOf(text, '- name: contry', 'contry');
    expect(diagnostics[0].range.start).toEqual(at);
    expect(diagnostics[0].message).toMatch(/country/);
  });

  it('reports a missing data file as its own diagnostic', async () => {
    const text = VALID.replace('data/users.csv', 'data/nope.csv');
    const diagnostics = await client.open(newUri(), text);
    expect(diagnostics.map((d) => d.code)).toContain('data-file-missing');
  });
});

describe('quick fixes (applied to the text)', () => {
  it('logQ over uniform negatives changes nothing: remove it', async () => {
    const text = VALID.replace('source: in_batch', 'source: uniform');
    const { fixed, after } = await fixOnce(text, 'logq-uniform-constant', /Remove `logq_correction`/);
    expect(fixed).toBe(text.replace('    logq_correction: true\n', ''));
    expect(after).toEqual([]);
  });

  it('logQ in a pairwise mode: remove it', async () => {
    const text = VALID.replace('mode: listwise', 'mode: pairwise').replace('loss: softmax', 'loss: hinge').replace('source: in_batch', 'source: popularity');
    const { fixed, after } = await fixOnce(text, 'logq-needs-softmax', /Remove `logq_correction`/);
    expect(fixed).toBe(text.replace('    logq_correction: true\n', ''));
    expect(after).toEqual([]);
  });

  it('a logq_strength with the correction off: remove it, or turn the correction on', async () => {
    const text = VALID.replace('source: in_batch', 'source: popularity').replace('logq_correction: true', 'logq_strength: 0.5');
    const removed = await fixOnce(text, 'logq-strength-unused', /Remove `logq_strength`/);
    expect(removed.fixed).toBe(text.replace('    logq_strength: 0.5\n', ''));
    expect(removed.after).toEqual([]);
    const turnedOn = await fixOnce(text, 'logq-strength-unused', /Set `logq_correction: true`/);
    // A missing key goes first in its mapping (setValueEdit), here before `source`.
    expect(turnedOn.fixed).toBe(text.replace('    source: popularity\n', '    logq_correction: true\n    source: popularity\n'));
    expect(turnedOn.after).toEqual([]);
  });

  it('a streaming logq_estimate without in-batch columns: remove it', async () => {
    const text = VALID.replace('source: in_batch', 'source: popularity').replace('logq_correction: true', 'logq_correction: true\n    logq_estimate: streaming');
    const { fixed, after } = await fixOnce(text, 'logq-estimate-unused', /Remove `logq_estimate`/);
    expect(fixed).toBe(VALID.replace('source: in_batch', 'source: popularity'));
    expect(after).toEqual([]);
  });

  it('a per_positive that listwise in-batch negatives without hard ones do not use: remove it', async () => {
    const text = VALID.replace('logq_correction: true', 'logq_correction: true\n    per_positive: 8');
    const { fixed, after } = await fixOnce(text, 'per-positive-unused', /Remove `per_positive`/);
    expect(fixed).toBe(VALID);
    expect(after).toEqual([]);
  });

  it('mixed negatives in a pairwise mode: use in-batch ones', async () => {
    const text = VALID.replace('mode: listwise', 'mode: pairwise').replace('loss: softmax', 'loss: hinge').replace('source: in_batch', 'source: mixed').replace('    logq_correction: true\n', '');
    const { fixed, after } = await fixOnce(text, 'mixed-needs-softmax', /Use `in_batch` negatives/);
    expect(fixed).toBe(text.replace('source: mixed', 'source: in_batch'));
    expect(after).toEqual([]);
  });

  it('extra / extra_sampler without mixed negatives: remove each', async () => {
    const text = VALID.replace('logq_correction: true', 'logq_correction: true\n    extra: 64');
    const { fixed, after } = await fixOnce(text, 'extra-without-mixed', /Remove `extra`/);
    expect(fixed).toBe(VALID);
    expect(after).toEqual([]);
  });

  it('a margin with a non-hinge loss: remove it (the whole line)', async () => {
    const text = VALID.replace('  loss: softmax\n', '  loss: softmax\n  margin: 0.3\n');
    const { fixed, after } = await fixOnce(text, 'margin-without-hinge', /Remove `margin`/);
    expect(fixed).toBe(VALID);
    expect(after).toEqual([]);
  });

  it('a pointwise ratio of 1:20: set it to 1:3', async () => {
    const text = VALID.replace('mode: listwise', 'mode: pointwise').replace('loss: softmax', 'loss: bce').replace('source: in_batch', 'source: popularity').replace('logq_correction: true', 'per_positive: 20');
    const { fixed, after } = await fixOnce(text, 'pointwise-ratio', /1:3/);
    expect(fixed).toBe(text.replace('per_positive: 20', 'per_positive: 3'));
    expect(after).toEqual([]);
  });

  it('a misspelled key: rename it', async () => {
    const { fixed, after } = await fixOnce(VALID.replace('batch_size: 64', 'batchsize: 64'), 'schema-unknown-key', /Rename `batchsize` to `batch_size`/);
    expect(fixed).toBe(VALID);
    expect(after).toEqual([]);
  });

  it('a misspelled column: use the one the header has', async () => {
    const { fixed, after } = await fixOnce(VALID.replace('clicked: clicked', 'clicked: clickd'), 'unknown-column', /Use column `clicked`/);
    expect(fixed).toBe(VALID);
    expect(after).toEqual([]);
  });

  it('impressed-but-not-clicked negatives: replace them', async () => {
    const text = VALID.replace('source: in_batch', 'source: impressed_not_clicked').replace('    logq_correction: true\n', '');
    const { fixed, after } = await fixOnce(text, 'impressed-negatives', /in_batch/);
    expect(fixed).toBe(text.replace('impressed_not_clicked', 'in_batch'));
    expect(after).toEqual([]);
  });

  it('easy/hard mix not summing to 1: set a mix that does', async () => {
    const text = VALID.replace('    logq_correction: true\n', '    logq_correction: true\n    hard:\n      source: mined\n    mix:\n      easy: 0.7\n      hard: 0.7\n');
    const { fixed, after } = await fixOnce(text, 'mix-not-one', /Set the mix/);
    expect(fixed).toMatch(/easy: (0\.\d+|1|0)\n\s+hard: (0\.\d+|1|0)\n/);
    const easy = Number(/easy: ([\d.]+)/.exec(fixed)![1]);
    const hard = Number(/hard: ([\d.]+)/.exec(fixed)![1]);
    expect(easy + hard).toBeCloseTo(1, 10);
    expect(after).toEqual([]);
  });

  it('user and item output dims differ: align the item tower', async () => {
    const text = VALID.replace('  id_embedding_dim: 16\n  output_dim: 32', '  id_embedding_dim: 16\n  output_dim: 48');
    const { fixed, after } = await fixOnce(text, 'output-dim-mismatch', /output_dim to 32/);
    expect(fixed).toBe(VALID);
    expect(after).toEqual([]);
  });

  it('a temperature ≤ 0: set it to a positive one', async () => {
    const { fixed, after } = await fixOnce(VALID.replace('temperature: 0.05', 'temperature: 0'), 'temperature-not-positive', /temperature/);
    expect(fixed).toMatch(/temperature: 0\.\d+/);
    expect(after).toEqual([]);
  });

  it('a loss that does not fit the mode: use the mode\'s loss', async () => {
    const { fixed, after } = await fixOnce(VALID.replace('loss: softmax', 'loss: hinge'), 'loss-mode-mismatch', /softmax/);
    expect(fixed).toBe(VALID);
    expect(after).toEqual([]);
  });

  it('hard negatives from a ranking log that the data lacks: mine them instead', async () => {
    const text = VALID.replace('    logq_correction: true\n', '    logq_correction: true\n    hard:\n      source: ranking_log\n');
    const { fixed, after } = await fixOnce(text, 'hard-negatives-no-ranking-log', /[Mm]ine/);
    expect(fixed).toBe(text.replace('source: ranking_log', 'source: mined'));
    expect(after).toEqual([]);
  });

  it('a missing required key: add it where it belongs, for the user to fill', async () => {
    const text = VALID.replace('    key: user_id\n', '');
    const { fixed, after } = await fixOnce(text, 'schema-required', /Add the missing key `key`/);
    expect(fixed).toBe(text.replace('    path: data/users.csv\n', '    key:\n    path: data/users.csv\n'));
    // Now present but empty: a type error on the new line, no longer a missing key.
    expect(after.map((d) => d.code)).not.toContain('schema-required');
  });

  it('a bad enum value: change it to the closest', async () => {
    const { fixed, after } = await fixOnce(VALID.replace('loss: softmax', 'loss: sofmax'), 'schema-enum', /softmax/);
    expect(fixed).toBe(VALID);
    expect(after).toEqual([]);
  });

  it('a time-based split left at its default on a file without timestamps: insert `split: { method: random }` under data', async () => {
    const text = VALID.replace('      timestamp: ts\n', '');
    const { fixed, after, diagnostic } = await fixOnce(text, 'split-needs-timestamp', /Use the `random` split/);
    // Reported on the `interactions` key, since `data.split` is not in the file.
    expect(diagnostic.range.start).toEqual({ line: 2, character: 2 });
    expect(fixed).toBe(text.replace('data:\n', 'data:\n  split:\n    method: random\n'));
    expect(after).toEqual([]);
  });

  it('a time-based split that is written: change its method', async () => {
    const text = VALID.replace('      timestamp: ts\n', '').replace('    key: user_id\n', '    key: user_id\n  split: { method: time_cut, cut: 0.8 }\n');
    const { fixed, after } = await fixOnce(text, 'split-needs-timestamp', /Use the `random` split/);
    expect(fixed).toBe(text.replace('method: time_cut', 'method: random'));
    expect(after).toEqual([]);
  });

  it('rating_at_least on a file without ratings: use the click flag it has, or every row', async () => {
    const text = VALID.replace('    key: user_id\n', '    key: user_id\n  positive: { rule: rating_at_least }\n');
    const clicked = await fixOnce(text, 'positive-needs-column', /Use `positive\.rule: clicked`/);
    expect(clicked.fixed).toBe(text.replace('rule: rating_at_least', 'rule: clicked'));
    expect(clicked.after).toEqual([]);
    const all = await fixOnce(text, 'positive-needs-column', /Use `positive\.rule: all`/);
    expect(all.fixed).toBe(text.replace('rule: rating_at_least', 'rule: all'));
    expect(all.after).toEqual([]);
  });

  it('rating_at_least on a file whose rating column has another name: map it (the preferred fix)', async () => {
    const text = 'data:\n  interactions:\n    path: explicit/log.csv\n    columns:\n      timestamp: ts\n  positive: { rule: rating_at_least }\nuser_tower: { output_dim: 8 }\nitem_tower: { output_dim: 8 }\nevaluation:\n  k: [1]\n';
    const uri = newUri();
    const diagnostics = (await client.open(uri, text)).filter((d) => d.code === 'positive-needs-column');
    const actions = await codeActions(uri, diagnostics);
    await client.close(uri);
    // explicit/log.csv has `Rating` and no click flag: map the column first, else every row is a positive.
    expect(actions.map((a) => [a.title, a.isPreferred])).toEqual([['Map `columns.rating` to `Rating`', true], ['Use `positive.rule: all`', false]]);
    const { fixed, after } = await fixOnce(text, 'positive-needs-column', /Map `columns\.rating`/);
    expect(fixed).toBe(text.replace('      timestamp: ts\n', '      rating: Rating\n      timestamp: ts\n'));
    expect(after).toEqual([]);
  });

  it('a number below its minimum or above its maximum: clamp it to the bound', async () => {
    const low = await fixOnce(VALID.replace('batch_size: 64', 'batch_size: 0'), 'schema-range', /minimum, 1/);
    expect(low.fixed).toBe(VALID.replace('batch_size: 64', 'batch_size: 1'));
    expect(low.after).toEqual([]);
    const high = await fixOnce(VALID.replace('logq_correction: true', 'logq_correction: true\n    logq_strength: 1.5'), 'schema-range', /maximum, 1/);
    expect(high.fixed).toBe(VALID.replace('logq_correction: true', 'logq_correction: true\n    logq_strength: 1'));
    expect(high.after).toEqual([]);
  });

  it('a number on an exclusive bound: the default when it is inside, else nothing', async () => {
    const text = VALID.replace('  epochs: 2\n', '  epochs: 2\n  learning_rate: 0\n');
    const { fixed, after } = await fixOnce(text, 'schema-range', /default, 0\.001/);
    expect(fixed).toBe(text.replace('learning_rate: 0', 'learning_rate: 0.001'));
    expect(after).toEqual([]);
    // `scale` has no schema default (its default of 10 is filled by the loss): no value is obvious.
    const uri = newUri();
    const scale = VALID.replace('mode: listwise', 'mode: pairwise').replace('loss: softmax', 'loss: logistic').replace('source: in_batch', 'source: popularity').replace('    logq_correction: true\n', '').replace('  epochs: 2\n', '  epochs: 2\n  scale: 0\n');
    const diagnostics = (await client.open(uri, scale)).filter((d) => d.code === 'schema-range');
    expect(diagnostics).toHaveLength(1);
    expect(await codeActions(uri, diagnostics)).toEqual([]);
    await client.close(uri);
  });

  it('a value of the wrong type: convert it where one value is obvious', async () => {
    const quoted = await fixOnce(VALID.replace('batch_size: 64', 'batch_size: "64"'), 'schema-type', /number 64/);
    expect(quoted.fixed).toBe(VALID);
    expect(quoted.after).toEqual([]);
    const yes = VALID.replace('  k: [1, 2]', '  k: [1, 2]\n  exclude_seen: yes');
    const boolean = await fixOnce(yes, 'schema-type', /boolean true/);
    expect(boolean.fixed).toBe(yes.replace('exclude_seen: yes', 'exclude_seen: true'));
    expect(boolean.after).toEqual([]);
    const scalar = VALID.replace('  k: [1, 2]', '  k: 2');
    const list = await fixOnce(scalar, 'schema-type', /list: \[2\]/);
    expect(list.fixed).toBe(VALID.replace('  k: [1, 2]', '  k: [2]'));
    expect(list.after).toEqual([]);
  });

  it('a K above the catalogue: drop it when another K remains, else use a round K ≤ half the catalogue', async () => {
    // data/interactions.csv has 3 items.
    const dropped = await fixOnce(VALID.replace('k: [1, 2]', 'k: [1, 500]'), 'k-exceeds-catalogue', /Drop K = 500/);
    expect(dropped.fixed).toBe(VALID.replace('k: [1, 2]', 'k: [1]'));
    expect(dropped.after).toEqual([]);
    const replaced = await fixOnce(VALID.replace('k: [1, 2]', 'k: [500]'), 'k-exceeds-catalogue', /Set K to 1/);
    expect(replaced.fixed).toBe(VALID.replace('k: [1, 2]', 'k: [1]'));
    expect(replaced.after).toEqual([]);
  });

  it('a data file that does not exist: offer the files of that folder with the closest names, best first', async () => {
    const text = VALID.replace('data/users.csv', 'data/user.csv');
    const uri = newUri();
    const diagnostics = (await client.open(uri, text)).filter((d) => d.code === 'data-file-missing');
    expect(diagnostics[0]?.message).toMatch(/Did you mean `data\/users\.csv`\?/);
    const actions = await codeActions(uri, diagnostics);
    await client.close(uri);
    expect(actions.map((a) => [a.title, a.isPreferred])).toEqual([['Use `data/users.csv`', true]]);
    const { fixed, after } = await fixOnce(text, 'data-file-missing', /data\/users\.csv/);
    expect(fixed).toBe(VALID);
    expect(after).toEqual([]);
  });
});

describe('completion', () => {
  let uri: string;
  let text: string;
  beforeAll(async () => {
    uri = newUri();
    text = `${VALID}  \n`;
    await client.open(uri, text);
  });

  const labels = (items: CompletionItem[]): string[] => items.map((i) => i.label);

  it('offers the keys valid at the cursor, without those already written', async () => {
    // Line 29 is `  negatives:` … the last line is blank with two spaces: inside `evaluation`.
    const lastLine = text.split('\n').length - 2;
    const keys = labels(await complete(uri, lastLine, 2));
    expect(keys).toEqual(expect.arrayContaining(['metrics', 'every', 'exclude_seen', 'max_users']));
    expect(keys).not.toContain('k');
    expect(keys).not.toContain('batch_size');
  });

  it('inserts a block for a section and a list item for a list of features', async () => {
    const doc = newUri();
    await client.open(doc, 'user_tower:\n  \n');
    const items = await complete(doc, 1, 2);
    const edit = (label: string): string | undefined => {
      const item = items.find((i) => i.label === label);
      return item?.textEdit && 'newText' in item.textEdit ? item.textEdit.newText : undefined;
    };
    expect(edit('categorical')).toBe('categorical:\n    - ');
    expect(edit('mlp')).toBe('mlp:\n    ');
    expect(edit('output_dim')).toBe('output_dim: ');
  });

  it('offers the enum values of a field', async () => {
    const doc = newUri();
    const body = 'training:\n  loss: \n';
    await client.open(doc, body);
    expect(labels(await complete(doc, 1, 8)).sort()).toEqual(['bce', 'hinge', 'logistic', 'softmax']);
  });

  it('adds the space YAML needs when completion is triggered by the colon', async () => {
    const doc = newUri();
    await client.open(doc, 'training:\n  loss:\n');
    const items = await complete(doc, 1, 7);
    const hinge = items.find((i) => i.label === 'hinge');
    expect(hinge?.textEdit && 'newText' in hinge.textEdit ? hinge.textEdit.newText : undefined).toBe(' hinge');
  });

  it('offers the column names from the data header', async () => {
    const doc = newUri();
    const body = 'data:\n  interactions:\n    path: data/interactions.csv\n    columns:\n      user: \n';
    await client.open(doc, body);
    expect(labels(await complete(doc, 4, 12))).toEqual(['user_id', 'item_id', 'clicked', 'impressed', 'ts', 'genre']);
  });

  it('offers column names inside a flow mapping too', async () => {
    const doc = newUri();
    const body = 'data:\n  interactions:\n    path: data/interactions.csv\n    columns: {user: user_id, item: \n';
    await client.open(doc, body);
    expect(labels(await complete(doc, 3, 35))).toEqual(['user_id', 'item_id', 'clicked', 'impressed', 'ts', 'genre']);
  });

  it('offers feature names from the feature table', async () => {
    const doc = newUri();
    const body = 'data:\n  user_features:\n    path: data/users.csv\n    key: user_id\nuser_tower:\n  categorical:\n    - name: \n';
    await client.open(doc, body);
    expect(labels(await complete(doc, 6, 12))).toEqual(['user_id', 'age', 'country']);
  });

  it('offers file paths for data entries', async () => {
    const doc = newUri();
    const body = 'data:\n  interactions:\n    path: data/\n';
    await client.open(doc, body);
    expect(labels(await complete(doc, 2, 15)).sort()).toEqual(['interactions.csv', 'ranking.csv', 'users.csv']);
    expect(labels(await complete(doc, 2, 10))).toContain('data/');
  });

  it('offers the metrics the evaluation computes for early stopping', async () => {
    const doc = newUri();
    await client.open(doc, 'training:\n  early_stopping:\n    metric: \nevaluation:\n  k: [5, 20]\n');
    expect(labels(await complete(doc, 2, 12))).toEqual(['recall@5', 'ndcg@5', 'hit_rate@5', 'coverage@5', 'recall@20', 'ndcg@20', 'hit_rate@20', 'coverage@20']);
  });

  it('offers the sections at the top level', async () => {
    const doc = newUri();
    await client.open(doc, 'name: x\n\n');
    const keys = labels(await complete(doc, 1, 0));
    expect(keys).toEqual(expect.arrayContaining(['data', 'user_tower', 'item_tower', 'score', 'training', 'evaluation', 'description']));
    expect(keys).not.toContain('name');
  });
});

describe('hover', () => {
  let uri: string;
  const text = VALID.replace('loss: softmax', 'loss: hinge').replace('mode: listwise', 'mode: pairwise');
  beforeAll(async () => {
    uri = newUri();
    await client.open(uri, text);
  });

  it('shows the formula of a loss on its name', async () => {
    const at = positionOf(text, 'loss: hinge', 'hinge');
    const value = await hover(uri, at.line, at.character + 1);
    expect(value).toContain('max(0, cos(a, b⁻) + m − cos(a, b⁺))');
  });

  it('shows the description and default of a field on its key', async () => {
    const at = positionOf(text, 'batch_size: 64', 'batch_size');
    const value = await hover(uri, at.line, at.character + 2);
    expect(value).toContain('Positives per batch');
    expect(value).toContain('Default: `512`');
    expect(value).toContain('integer ≥ 1');
  });

  it('shows the formula of a metric on a list item', async () => {
    const doc = newUri();
    const body = 'evaluation:\n  metrics:\n    - ndcg\n';
    await client.open(doc, body);
    const value = await hover(doc, 2, 7);
    expect(value).toContain('NDCG@K = DCG@K / IDCG@K');
  });

  it('shows the sampler formula and the logQ correction', async () => {
    const at = positionOf(text, 'source: in_batch', 'in_batch');
    const value = await hover(uri, at.line, at.character);
    expect(value).toContain('cos(a, b_j)/τ − γ·log p_j');
    expect(value).toContain('clicks_j^(1−γ)');
  });

  it('shows γ·log Q_j on logq_correction and logq_strength, and the mixed column set', async () => {
    const doc = newUri();
    const body = 'training:\n  negatives:\n    source: mixed\n    logq_correction: true\n    logq_strength: 0.5\n';
    await client.open(doc, body);
    expect(await hover(doc, 3, 6)).toContain('cos(a, b_j)/τ − γ·log Q_j');
    const strength = await hover(doc, 4, 6);
    expect(strength).toContain('γ·log Q_j');
    expect(strength).toContain('clicks_j^(1−γ)');
    const mixed = await hover(doc, 2, 14);
    expect(mixed).toContain('Yang et al. 2020');
    expect(mixed).toContain('− γ·log Q');
  });
});

describe('outline, definition, lenses', () => {
  it('lists the sections and their fields', async () => {
    const uri = newUri();
    await client.open(uri, VALID);
    const symbols = await client.connection.sendRequest<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    expect(symbols.map((s) => s.name)).toEqual(['name', 'data', 'user_tower', 'item_tower', 'score', 'training', 'evaluation']);
    const tower = symbols.find((s) => s.name === 'user_tower')!;
    expect(tower.children!.map((c) => c.name)).toEqual(['id_embedding_dim', 'categorical', 'continuous', 'output_dim']);
    expect(tower.children![1].children!.map((c) => c.name)).toEqual(['country']);
    expect(tower.range.start.line).toBe(12);
  });

  it('goes from a data path to the file', async () => {
    const uri = newUri();
    await client.open(uri, VALID);
    const at = positionOf(VALID, 'path: data/users.csv', 'data/users.csv');
    const result = await client.connection.sendRequest<Location | null>('textDocument/definition', { textDocument: { uri }, position: { line: at.line, character: at.character + 3 } });
    expect(result?.uri).toBe(pathToFileURL(path.join(FIXTURES, 'data/users.csv')).href);
  });

  it('puts Train and Train with loss… on the file', async () => {
    const uri = newUri();
    await client.open(uri, VALID);
    const lenses = await client.connection.sendRequest<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    expect(lenses.map((l) => l.command?.title)).toEqual(['$(play) Train', 'Train with loss…']);
    expect(lenses.map((l) => l.command?.command)).toEqual(['twoTowerLab.runExperiment', 'twoTowerLab.runExperiment']);
    expect(lenses[1].command?.arguments).toEqual([uri, { pickLoss: true }]);
  });
});
