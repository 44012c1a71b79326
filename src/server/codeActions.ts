/**
 * Quick fixes for the validator's diagnostics. The validator (core/config/rules.ts, RULE_CODES) puts the
 * fix's hint on each diagnostic (`replacement`, `replacementPath`, `remove`, `alternative`); this module turns
 * the hint into a WorkspaceEdit that touches only the field concerned.
 */
import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit } from 'vscode-languageserver/node';

import type { ConfigPath } from '../core/config/document';
import { schemaAt } from './schemaNav';
import { removeKeyEdit, renameKeyEdit, setValueEdit, type ScalarValue } from './yamlEdits';

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
  'logq-without-in-batch': (v) => `Use \`${v}\` negatives (logQ correction applies to them)`,
  'loss-mode-mismatch': (v) => `Use the \`${v}\` loss for this mode`,
  'pointwise-ratio': (v) => `Set the pointwise ratio to 1:${v}`,
  'hard-negatives-no-ranking-log': (v) => `Mine hard negatives with the model (\`${v}\`) instead`,
  'temperature-not-positive': (v) => `Set the temperature to ${v}`,
  'output-dim-mismatch': (v) => `Set the item tower's output_dim to ${v} (the user tower's)`,
  'early-stopping-metric': (v) => `Watch \`${v}\` instead`,
  'unknown-column': (v) => `Use column \`${v}\``,
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
  const add = (title: string, edits: (TextEdit | undefined)[], preferred = false): void => {
    if (edits.length === 0 || edits.some((e) => e === undefined)) return;
    actions.push({ title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: preferred, edit: { changes: { [uri]: edits as TextEdit[] } } });
  };

  if (code === 'schema-unknown-key' && path && typeof hint.replacement === 'string') {
    add(`Rename \`${hint.key ?? path[path.length - 1]}\` to \`${hint.replacement}\``, [renameKeyEdit(text, path, hint.replacement)], true);
  } else if (code === 'schema-required' && path && typeof hint.key === 'string') {
    const target = path[path.length - 1] === hint.key ? path : [...path, hint.key];
    // The schema's default when it is a scalar; otherwise `key:` for the user to fill.
    const fallback = schemaAt(target)?.default;
    const edit = isScalarValue(fallback) ? setValueEdit(text, target, fallback) : blankValue(setValueEdit(text, target, ''));
    add(`Add the missing key \`${hint.key}\``, [edit]);
  } else if (isPath(hint.remove)) {
    const field = String(hint.remove[hint.remove.length - 1]);
    add(`Remove \`${field}\` (it does not apply to this loss)`, [removeKeyEdit(text, hint.remove)], true);
  } else if (code === 'mix-not-one' && path && typeof hint.replacement === 'object' && hint.replacement !== null) {
    const shares = Object.entries(hint.replacement as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number');
    add(`Set the mix to ${shares.map(([k, v]) => `${k} ${v}`).join(' / ')}`, shares.map(([k, v]) => setValueEdit(text, [...path, k], v)), true);
  } else if (path && isScalarValue(hint.replacement)) {
    const target = isPath(hint.replacementPath) ? hint.replacementPath : path;
    const title = (REPLACE_TITLES[code] ?? ((v: string) => `Change to \`${v}\``))(String(hint.replacement));
    add(title, [setValueEdit(text, target, hint.replacement)], true);
  }
  if (hint.alternative && isPath(hint.alternative.path) && isScalarValue(hint.alternative.value)) {
    add(`Set \`${String(hint.alternative.path[hint.alternative.path.length - 1])}: ${String(hint.alternative.value)}\``, [setValueEdit(text, hint.alternative.path, hint.alternative.value)]);
  }
  return actions;
}

/** An inserted required key is left for the user to fill (`key: `), with the cursor-friendly trailing space. */
function blankValue(edit: TextEdit | undefined): TextEdit | undefined {
  return edit && { ...edit, newText: edit.newText.replace(/: ""\n$/, ':\n') };
}
