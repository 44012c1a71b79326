/**
 * Quick fixes for the validator's diagnostics. The validator (core/config/rules.ts, RULE_CODES) puts the
 * fix's hint on each diagnostic (`replacement`, `replacementPath`, `remove`, `alternative`, and a few
 * per-code shapes); this module turns the hint into WorkspaceEdits that touch only the field concerned.
 * Schema type and range errors carry no value to write: it is derived here from the schema and the text.
 */
import { isScalar } from 'yaml';
import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit } from 'vscode-languageserver/node';

import { locate, parseExperimentText, type ConfigPath } from '../core/config/document';
import { schemaAt } from './schemaNav';
import { rangeFix, typeFix, type RangeBound, type ValueFix } from './valueFixes';
import { removeItemEdit, removeKeyEdit, renameKeyEdit, replaceValueEdit, setValueEdit, yamlScalar, type ScalarValue } from './yamlEdits';

/** What the server stores in an LSP diagnostic's `data`, so that the code-action request can read it back. */
export interface DiagnosticData {
  path?: ConfigPath;
  hint?: unknown;
}

interface Hint {
  key?: string;
  replacement?: unknown;
  replacementPath?: ConfigPath;
  remove?: ConfigPath;
  alternative?: { path: ConfigPath; value: ScalarValue };
  /** Several values for the same field, best first (positive-needs-column). */
  replacements?: unknown;
  /** positive-needs-column: the header column to map the missing role to. */
  mapTo?: unknown;
  column?: unknown;
  /** data-file-missing: paths of nearby files, best first. */
  candidates?: unknown;
  /** k-exceeds-catalogue: drop the K from the list. */
  removeItem?: unknown;
  items?: unknown;
}

function isScalarValue(value: unknown): value is ScalarValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isPath(value: unknown): value is ConfigPath {
  return Array.isArray(value) && value.every((s) => typeof s === 'string' || typeof s === 'number');
}

/** Titles of the "replace the value" fixes, per rule code; the value is filled in. */
const REPLACE_TITLES: Record<string, (value: string) => string> = {
  'schema-enum': (v) => `Change to \`${v}\``,
  'impressed-negatives': (v) => `Use \`${v}\` negatives (retrieval negatives come from all items, not impressions)`,
  'mixed-needs-softmax': (v) => `Use \`${v}\` negatives (mixed sampling needs a listwise softmax)`,
  'loss-mode-mismatch': (v) => `Use the \`${v}\` loss for this mode`,
  'pointwise-ratio': (v) => `Set the pointwise ratio to 1:${v}`,
  'hard-negatives-no-ranking-log': (v) => `Mine hard negatives with the model (\`${v}\`) instead`,
  'temperature-not-positive': (v) => `Set the temperature to ${v}`,
  'output-dim-mismatch': (v) => `Set the item tower's output_dim to ${v} (the user tower's)`,
  'early-stopping-metric': (v) => `Watch \`${v}\` instead`,
  'unknown-column': (v) => `Use column \`${v}\``,
  'split-needs-timestamp': (v) => `Use the \`${v}\` split (it needs no timestamps)`,
  'positive-needs-column': (v) => `Use \`positive.rule: ${v}\``,
  'k-exceeds-catalogue': (v) => `Set K to ${v}`,
  'data-file-missing': (v) => `Use \`${v}\``,
  'torch-not-found': (v) => `Use the embedded \`${v}\` engine (it needs nothing installed)`,
  'cuda-not-found': (v) => `Use \`device: ${v}\` (CUDA when torch finds it, else the CPU)`,
};

/** Why a removed field can go, per rule code. */
const REMOVE_REASONS: Record<string, string> = {
  'margin-without-hinge': 'it does not apply to this loss',
  'reduction-without-pairwise': 'this mode forms no triplets',
  'scale-without-logistic': 'it does not apply to this loss',
  'logq-needs-softmax': 'it does not apply to this loss',
  'logq-uniform-constant': 'with uniform negatives it changes nothing',
  'engine-options-unused': 'the tfjs engine reads none of it',
  'threads-on-torch': 'the torch engine reads engine_options.threads',
};

/**
 * Where a replacement is written when it is not the diagnostic's own path: these rules report on the
 * file's key when the field is left at its default, and the fix writes the field (inserting it if need be).
 */
const REPLACEMENT_PATHS: Record<string, ConfigPath> = {
  'split-needs-timestamp': ['data', 'split', 'method'],
  'positive-needs-column': ['data', 'positive', 'rule'],
};

/** The quick fixes for the diagnostics of one document. */
export function codeActionsFor(uri: string, text: string, diagnostics: readonly Diagnostic[]): CodeAction[] {
  return diagnostics.flatMap((diagnostic) => fixesFor(uri, text, diagnostic));
}

function fixesFor(uri: string, text: string, diagnostic: Diagnostic): CodeAction[] {
  const data = (diagnostic.data ?? {}) as DiagnosticData;
  const hint = (data.hint ?? {}) as Hint;
  const path = isPath(data.path) ? data.path : undefined;
  const code = String(diagnostic.code ?? '');
  const actions: CodeAction[] = [];
  /** Adds a fix when every edit could be made; by default the first fix added is the preferred one. */
  const add = (title: string, edits: (TextEdit | undefined)[], preferred = actions.length === 0): void => {
    if (edits.length === 0 || edits.some((e) => e === undefined)) return;
    actions.push({ title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: preferred, edit: { changes: { [uri]: edits as TextEdit[] } } });
  };
  const replaceTitle = (value: ScalarValue): string => (REPLACE_TITLES[code] ?? ((v: string) => `Change to \`${v}\``))(String(value));

  if (code === 'schema-unknown-key' && path && typeof hint.replacement === 'string') {
    add(`Rename \`${hint.key ?? path[path.length - 1]}\` to \`${hint.replacement}\``, [renameKeyEdit(text, path, hint.replacement)]);
  } else if (code === 'schema-required' && path && typeof hint.key === 'string') {
    const target = path[path.length - 1] === hint.key ? path : [...path, hint.key];
    // The schema's default when it is a scalar; otherwise `key:` for the user to fill.
    const fallback = schemaAt(target)?.default;
    const edit = isScalarValue(fallback) ? setValueEdit(text, target, fallback) : blankValue(setValueEdit(text, target, ''));
    // Not preferred: the key is often left blank for the user to fill.
    add(`Add the missing key \`${hint.key}\``, [edit], false);
  } else if (code === 'schema-type' && path) {
    const fix = schemaFix(text, path, (schema, value) => typeFix(schema, value));
    if (fix) add(fix.title, [replaceValueEdit(text, path, fix.text)]);
  } else if (code === 'schema-range' && path) {
    const fix = schemaFix(text, path, (schema) => rangeFix(schema, hint as RangeBound));
    if (fix) add(fix.title, [replaceValueEdit(text, path, fix.text)]);
  } else if (isPath(hint.remove)) {
    const field = String(hint.remove[hint.remove.length - 1]);
    add(`Remove \`${field}\` (${REMOVE_REASONS[code] ?? 'it has no effect here'})`, [removeKeyEdit(text, hint.remove)]);
  } else if (code === 'mix-not-one' && path && typeof hint.replacement === 'object' && hint.replacement !== null) {
    const shares = Object.entries(hint.replacement as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number');
    add(`Set the mix to ${shares.map(([k, v]) => `${k} ${v}`).join(' / ')}`, shares.map(([k, v]) => setValueEdit(text, [...path, k], v)));
  } else if (code === 'k-exceeds-catalogue' && path) {
    if (hint.removeItem === true) add(`Drop K = ${String(kAt(text, path))} from \`evaluation.k\` (more than the ${String(hint.items)} items)`, [removeItemEdit(text, path)]);
    if (isScalarValue(hint.replacement)) add(replaceTitle(hint.replacement), [setValueEdit(text, path, hint.replacement)]);
  } else if (code === 'positive-needs-column' && path) {
    if (typeof hint.mapTo === 'string' && typeof hint.column === 'string') {
      add(`Map \`columns.${hint.column}\` to \`${hint.mapTo}\``, [setValueEdit(text, ['data', 'interactions', 'columns', hint.column], hint.mapTo)]);
    }
    const values = [hint.replacement, ...(Array.isArray(hint.replacements) ? (hint.replacements as unknown[]) : [])].filter(isScalarValue);
    for (const value of values) add(replaceTitle(value), [setValueEdit(text, REPLACEMENT_PATHS[code]!, value)]);
  } else if (code === 'data-file-missing' && path && Array.isArray(hint.candidates)) {
    for (const candidate of (hint.candidates as unknown[]).filter((c): c is string => typeof c === 'string')) add(replaceTitle(candidate), [setValueEdit(text, path, candidate)]);
  } else if (path && isScalarValue(hint.replacement)) {
    const target = isPath(hint.replacementPath) ? hint.replacementPath : (REPLACEMENT_PATHS[code] ?? path);
    add(replaceTitle(hint.replacement), [setValueEdit(text, target, hint.replacement)]);
  }
  if (hint.alternative && isPath(hint.alternative.path) && isScalarValue(hint.alternative.value)) {
    add(`Set \`${String(hint.alternative.path[hint.alternative.path.length - 1])}: ${yamlScalar(hint.alternative.value)}\``, [setValueEdit(text, hint.alternative.path, hint.alternative.value)], false);
  }
  return actions;
}

/** The schema of `path` and the scalar written there, handed to `derive`; undefined when either is missing. */
function schemaFix(text: string, path: ConfigPath, derive: (schema: NonNullable<ReturnType<typeof schemaAt>>, value: unknown) => ValueFix | undefined): ValueFix | undefined {
  const schema = schemaAt(path);
  const { doc } = parseExperimentText(text);
  const found = locate(doc, path);
  if (!schema || found.depth !== path.length || !isScalar(found.node)) return undefined;
  return derive(schema, found.node.value);
}

/** The K written at `path` in `evaluation.k`, for the title. */
function kAt(text: string, path: ConfigPath): unknown {
  const found = locate(parseExperimentText(text).doc, path);
  return found.depth === path.length && isScalar(found.node) ? found.node.value : undefined;
}

/** An inserted required key is left for the user to fill (`key: `), with the cursor-friendly trailing space. */
function blankValue(edit: TextEdit | undefined): TextEdit | undefined {
  return edit && { ...edit, newText: edit.newText.replace(/: ""\n$/, ':\n') };
}
