/**
 * Completion: keys valid at the cursor and enum values from the schema; and, written by hand because they are
 * two-tower specific, column names from the data file's header, feature names, metric names and file paths.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CompletionItemKind, InsertTextFormat, type CompletionItem, type Range } from 'vscode-languageserver/node';

import type { DataProbe, DataFormatName } from '../core/config/dataProbe';
import { cursorContext, shapeOf, type CursorContext } from './cursorContext';
import { DocumentFacts, type DataTable } from './documentFacts';
import { dottedPath } from './hover';
import { enumValues, isBlock, propertiesOf, schemaAt, typeLabel, type PathSegment, type SchemaNode } from './schemaNav';

/** Reads the column names of a data file (the header only); an Error says why it could not. */
export type ColumnSource = Pick<DataProbe, 'columns'>;

export interface CompletionInput {
  lines: readonly string[];
  text: string;
  line: number;
  character: number;
  filePath: string;
  columns: ColumnSource;
}

const DATA_FILE = /\.(csv|tsv|data|jsonl|ndjson|json|parquet|dat)$/i;
const RETRIGGER = { title: 'Suggest', command: 'editor.action.triggerSuggest' };

export async function completeAt(input: CompletionInput): Promise<CompletionItem[]> {
  const context = cursorContext(input.lines, input.line, input.character);
  const range = (start: number): Range => ({ start: { line: input.line, character: start }, end: { line: input.line, character: input.character } });
  switch (context.kind) {
    case 'key':
      return completeKey(input, context, range(context.start));
    case 'value': {
      const items = await completeValue(input, [...context.path, context.key], unquote(context.prefix), range(context.start));
      // Triggered by the `:` itself (`loss:|`): YAML needs a space between the colon and the value.
      return input.lines[input.line]?.[context.start - 1] === ':' ? items.map(withLeadingSpace) : items;
    }
    case 'item':
      return completeValue(input, [...context.path, 0], unquote(context.prefix), range(context.start));
    case 'none':
      return [];
  }
}

function withLeadingSpace(item: CompletionItem): CompletionItem {
  return item.textEdit && 'range' in item.textEdit ? { ...item, textEdit: { ...item.textEdit, newText: ` ${item.textEdit.newText}` }, filterText: ` ${item.label}` } : item;
}

function unquote(prefix: string): string {
  return prefix.replace(/^["']/, '');
}

async function completeKey(input: CompletionInput, context: Extract<CursorContext, { kind: 'key' }>, range: Range): Promise<CompletionItem[]> {
  const schema = schemaAt(context.path);
  if (!schema) return [];
  // `- |` in a list of scalars is a value, not a key.
  if (schema.type !== 'object') return completeValue(input, context.path, context.prefix, range);
  const present = siblingKeys(input.lines, input.line, context.start);
  const indent = ' '.repeat(context.start + 2);
  return propertiesOf(schema)
    .filter(({ key }) => !present.has(key))
    .map(({ key, schema: child, required }, index) => {
      const block = isBlock(child);
      const choices = enumValues(child).length > 0;
      return {
        label: key,
        kind: block ? CompletionItemKind.Module : CompletionItemKind.Property,
        detail: `${required ? '' : '(optional) '}${typeLabel(child)}`,
        documentation: child.description ? { kind: 'markdown', value: child.description } : undefined,
        sortText: `${required ? 0 : 1}${String(index).padStart(3, '0')}`,
        textEdit: { range, newText: block ? `${key}:\n${indent}${child.type === 'array' ? '- ' : ''}` : `${key}: ` },
        insertTextFormat: InsertTextFormat.PlainText,
        command: block || choices ? RETRIGGER : undefined,
      } satisfies CompletionItem;
    });
}

/** Keys already written in the mapping that holds the key at (line, column). */
function siblingKeys(lines: readonly string[], line: number, column: number): Set<string> {
  const keys = new Set<string>();
  const visit = (i: number, down: boolean): boolean => {
    const shape = shapeOf(lines[i]);
    if (shape.empty) return true;
    if (down && shape.dashColumns.length > 0 && shape.keyColumn <= column) return false; // The next list item.
    if (shape.keyColumn < column) {
      // The first line of a list item holds a sibling key after its dash, and ends the mapping above it.
      if (shape.dashColumns.length > 0 && shape.key && shape.keyColumn === column) keys.add(shape.key);
      return false;
    }
    if (shape.keyColumn === column && shape.key) {
      keys.add(shape.key);
      return shape.dashColumns.length === 0;
    }
    return true;
  };
  for (let i = line - 1; i >= 0 && visit(i, false); i--);
  for (let i = line + 1; i < lines.length && visit(i, true); i++);
  return keys;
}

async function completeValue(input: CompletionInput, valuePath: PathSegment[], prefix: string, range: Range): Promise<CompletionItem[]> {
  const dotted = dottedPath(valuePath);
  const facts = new DocumentFacts(input.text, input.filePath);
  if (/^data\.(interactions|user_features|item_features|ranking_log)\.path$/.test(dotted)) {
    return completeFilePath(input, prefix);
  }
  const table = columnTable(dotted, facts);
  if (table) return completeColumns(input, facts, table, range);
  if (dotted === 'training.early_stopping.metric') {
    return facts.evaluationKs().flatMap((k) => ['recall', 'ndcg', 'hit_rate', 'coverage'].map((m) => valueItem(`${m}@${k}`, range, 'metric')));
  }
  const schema = schemaAt(valuePath);
  if (!schema) return [];
  const values = enumValues(schema);
  const items = values.map((value) => valueItem(value, range, optionDoc(schema, value)));
  if (values.length === 0 && schema.default !== undefined && !isBlock(schema)) {
    items.push({ ...valueItem(JSON.stringify(schema.default).replace(/,/g, ', '), range, 'default'), preselect: true });
  }
  return items;
}

function optionDoc(schema: SchemaNode, value: string): string {
  return schema.default === value || String(schema.default) === value ? 'default' : '';
}

function valueItem(label: string, range: Range, detail: string): CompletionItem {
  return { label, kind: CompletionItemKind.Value, detail: detail || undefined, textEdit: { range, newText: label } };
}

/** Which data table's header holds the columns that the field at `dotted` names. */
function columnTable(dotted: string, facts: DocumentFacts): DataTable | undefined {
  const column = /^data\.(interactions|ranking_log)\.columns\.\w+$/.exec(dotted);
  if (column) return column[1] as DataTable;
  const key = /^data\.(user_features|item_features)\.key$/.exec(dotted);
  if (key) return key[1] as DataTable;
  const feature = /^(user|item)_tower\.(categorical|continuous)\.name$/.exec(dotted);
  if (feature) {
    const table: DataTable = feature[1] === 'user' ? 'user_features' : 'item_features';
    return facts.tablePath(table) ? table : 'interactions';
  }
  return undefined;
}

async function completeColumns(input: CompletionInput, facts: DocumentFacts, table: DataTable, range: Range): Promise<CompletionItem[]> {
  const file = facts.tablePath(table);
  if (!file) return [];
  const written = facts.scalar(['data', table, 'format']);
  // A misspelt format is the validator's to report; the header is then read as `auto`.
  const format = written !== undefined && enumValues(schemaAt(['data', table, 'format']) ?? {}).includes(written) ? (written as DataFormatName) : undefined;
  const columns = await input.columns.columns(file, format);
  if (columns instanceof Error) return [];
  const used = new Set(facts.featureNames());
  return columns.map((name, index) => ({
    label: name,
    kind: CompletionItemKind.Field,
    detail: `column of ${path.basename(file)}${used.has(name) ? ' (already a feature)' : ''}`,
    sortText: String(index).padStart(4, '0'),
    textEdit: { range, newText: name },
  }));
}

async function completeFilePath(input: CompletionInput, prefix: string): Promise<CompletionItem[]> {
  const slash = prefix.lastIndexOf('/');
  const folderPart = slash >= 0 ? prefix.slice(0, slash + 1) : '';
  const folder = path.resolve(path.dirname(input.filePath), folderPart);
  const nameStart = input.character - (prefix.length - folderPart.length);
  const range: Range = { start: { line: input.line, character: nameStart }, end: { line: input.line, character: input.character } };
  let entries;
  try {
    entries = await fs.readdir(folder, { withFileTypes: true });
  } catch (error) {
    // A folder that does not exist (yet) simply has nothing to offer; the validator reports missing files.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
  return entries
    .filter((entry) => !entry.name.startsWith('.') && (entry.isDirectory() || DATA_FILE.test(entry.name)))
    .slice(0, 500)
    .map((entry) =>
      entry.isDirectory()
        ? { label: `${entry.name}/`, kind: CompletionItemKind.Folder, textEdit: { range, newText: `${entry.name}/` }, command: RETRIGGER }
        : { label: entry.name, kind: CompletionItemKind.File, textEdit: { range, newText: entry.name } },
    );
}
