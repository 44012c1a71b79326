/**
 * The TextMate grammar of `*.tower.yaml`, tokenised as VS Code does (vscode-textmate + vscode-oniguruma).
 * Each fixture is compared with its committed snapshot; UPDATE_GRAMMAR_SNAPSHOTS=1 rewrites them (then read
 * the diff before committing). Targeted checks below say what the snapshots must show.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IGrammar } from 'vscode-textmate';

import { loadGrammar, snapshot, tokenize, type Token } from './tokenize';

const FIXTURES = path.join(__dirname, 'fixtures');
const SNAPSHOTS = path.join(__dirname, 'snapshots');

let grammar: IGrammar;
beforeAll(async () => {
  grammar = await loadGrammar();
});

/** The scopes of the first token whose text is `text` on the line that starts with `lineStart`. */
function scopesOf(source: string, lineStart: string, text: string): string[] {
  const lines = source.split('\n');
  const index = lines.findIndex((l) => l.trimStart().startsWith(lineStart));
  expect(index, `no line starts with ${lineStart}`).toBeGreaterThanOrEqual(0);
  const tokens: Token[] = tokenize(grammar, source)[index];
  const token = tokens.find((t) => t.text === text);
  expect(token, `no token ${JSON.stringify(text)} on line ${index + 1}: ${JSON.stringify(tokens.map((t) => t.text))}`).toBeDefined();
  return token!.scopes;
}

describe('grammar snapshots', () => {
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.tower.yaml'));
  it('has fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(2));
  for (const fixture of fixtures) {
    it(`tokenises ${fixture} as its snapshot says`, () => {
      const text = readFileSync(path.join(FIXTURES, fixture), 'utf8');
      const actual = snapshot(text, tokenize(grammar, text));
      const file = path.join(SNAPSHOTS, fixture.replace(/\.tower\.yaml$/, '.scopes.txt'));
      if (process.env.UPDATE_GRAMMAR_SNAPSHOTS === '1') {
        writeFileSync(`${file}.tmp`, actual);
        renameSync(`${file}.tmp`, file);
      }
      expect(existsSync(file), `missing snapshot ${file}: run with UPDATE_GRAMMAR_SNAPSHOTS=1 and review it`).toBe(true);
      expect(actual).toBe(readFileSync(file, 'utf8'));
    });
  }
});

describe('grammar coverage of the schema', () => {
  it('colours the value of every key that takes one of a fixed set of values (schema enums)', async () => {
    const { enumKeyNames } = await import('../../src/core/config/schemaPath');
    const grammarJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'syntaxes', 'two-tower.tmLanguage.json'), 'utf8')) as { repository: Record<string, { begin?: string }> };
    const covered = new Set(
      Object.values(grammarJson.repository)
        .map((rule) => /^\^\(\\s\*\)\(\(\?:-\\s\+\)\*\)\(([a-z_|]+)\)/.exec(rule.begin ?? '')?.[1])
        .filter((alternation): alternation is string => alternation !== undefined)
        .flatMap((alternation) => alternation.split('|')),
    );
    expect(enumKeyNames().filter((key) => !covered.has(key))).toEqual([]);
    for (const [line, value] of [['engine: torch', 'torch'], ['device: cpu', 'cpu'], ['extra_sampler: popularity', 'popularity']]) {
      expect(scopesOf(`training:\n  ${line}\n`, line, value).some((s) => s.startsWith('support.constant.')), line).toBe(true);
    }
  });
});

describe('grammar scopes', () => {
  const listwise = readFileSync(path.join(FIXTURES, 'listwise.tower.yaml'), 'utf8');
  const edge = readFileSync(path.join(FIXTURES, 'pairwise-edge.tower.yaml'), 'utf8');

  it('marks the experiment sections', () => {
    for (const section of ['data', 'user_tower', 'item_tower', 'score', 'training', 'evaluation']) {
      expect(scopesOf(listwise, `${section}:`, section)).toContain('entity.name.section.two-tower');
    }
  });
  it('marks keys, loss and sampler names', () => {
    expect(scopesOf(listwise, 'batch_size:', 'batch_size')).toContain('entity.name.tag.two-tower');
    expect(scopesOf(listwise, 'loss: softmax', 'softmax')).toContain('support.function.loss.two-tower');
    expect(scopesOf(edge, 'loss:', 'hinge')).toContain('support.function.loss.two-tower');
    expect(scopesOf(listwise, 'source: in_batch', 'in_batch')).toContain('support.constant.sampler.two-tower');
    expect(scopesOf(listwise, 'source: mined', 'mined')).toContain('support.constant.sampler.two-tower');
    expect(scopesOf(listwise, 'mode:', 'listwise')).toContain('support.constant.training-mode.two-tower');
  });
  it('marks the refused sampler as invalid', () => {
    expect(scopesOf(edge, 'source: impressed', 'impressed_not_clicked')).toContain('invalid.illegal.sampler.two-tower');
  });
  it('marks numbers of every shape', () => {
    expect(scopesOf(listwise, 'batch_size:', '512')).toContain('constant.numeric.integer.two-tower');
    expect(scopesOf(listwise, 'temperature:', '5e-2')).toContain('constant.numeric.float.two-tower');
    expect(scopesOf(listwise, 'learning_rate:', '.001')).toContain('constant.numeric.float.two-tower');
    expect(scopesOf(edge, 'margin:', '-0.2')).toContain('constant.numeric.float.two-tower');
    expect(scopesOf(listwise, 'hidden:', '128')).toContain('constant.numeric.integer.two-tower');
  });
  it('marks file paths, quoted or not', () => {
    expect(scopesOf(listwise, 'path:', '../../data/ml-latest-small/ratings.csv')).toContain('string.unquoted.path.two-tower');
    expect(scopesOf(edge, 'path:', 'features/users.parquet')).toContain('string.quoted.single.path.two-tower');
  });
  it('keeps a block scalar\'s text as text, even when a line looks like a key or a comment', () => {
    expect(scopesOf(listwise, 'description: |', '|')).toContain('keyword.control.flow.block-scalar.two-tower');
    expect(scopesOf(listwise, 'loss: this line is prose', '  loss: this line is prose, not a key')).toContain('string.unquoted.block.two-tower');
    expect(scopesOf(listwise, '# nor is this', '  # nor is this a comment')).not.toContain('comment.line.number-sign.two-tower');
    expect(scopesOf(listwise, 'data:', 'data')).toContain('entity.name.section.two-tower');
  });

  it('marks comments, booleans, null, list dashes', () => {
    expect(scopesOf(listwise, '# Listwise', '#')).toContain('punctuation.definition.comment.two-tower');
    expect(scopesOf(listwise, 'loss: softmax', ' −log s⁺')).toContain('comment.line.number-sign.two-tower');
    expect(scopesOf(listwise, 'logq_correction:', 'true')).toContain('constant.language.boolean.two-tower');
    expect(scopesOf(edge, 'scale:', '~')).toContain('constant.language.null.two-tower');
    expect(scopesOf(listwise, '- recall', '-')).toContain('punctuation.definition.block.sequence.item.two-tower');
    expect(scopesOf(listwise, '- recall', 'recall')).toContain('string.unquoted.plain.two-tower');
  });
});
