/**
 * Schema validation with positions: defaults (including the ones that depend on other fields), then
 * TypeBox's errors turned into diagnostics on the exact key or value, with "did you mean" for unknown
 * keys and enum values.
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';

import type { ConfigDiagnostic } from './diagnostics';
import { formatPath, pointerToPath, rangeAt, type ConfigPath, type ParsedExperimentText } from './document';
import { DEFAULT_LOGISTIC_SCALE, DEFAULT_MARGIN, DEFAULT_PAIRWISE_REDUCTION, ExperimentSchema, LOSSES_BY_MODE, type Experiment } from './schema';
import { enumValues, objectKeys, schemaAt, whereKeyLives } from './schemaPath';
import { didYouMean } from '../util/suggest';

let compiled: TypeCheck<typeof ExperimentSchema> | undefined;
function checker(): TypeCheck<typeof ExperimentSchema> {
  // Compiled once: the language server validates on every keystroke.
  compiled ??= TypeCompiler.Compile(ExperimentSchema);
  return compiled;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Fills defaults into a copy of the raw config. Beyond the schema's own defaults: an unset `training.loss`
 * takes the first loss of its mode (so `mode: pairwise` alone means hinge, not the listwise softmax), and
 * the margin / scale of the chosen pairwise loss are filled so the resolved config shows what is used.
 */
export function applyDefaults(raw: unknown): unknown {
  const value = Value.Clone(raw);
  if (isRecord(value) && isRecord(value.training)) {
    const training = value.training;
    const mode = training.mode;
    if (training.loss === undefined && typeof mode === 'string' && mode in LOSSES_BY_MODE) {
      training.loss = LOSSES_BY_MODE[mode as keyof typeof LOSSES_BY_MODE][0];
    }
  }
  const defaulted = Value.Default(ExperimentSchema, value);
  if (isRecord(defaulted) && isRecord(defaulted.training)) {
    const training = defaulted.training;
    if (training.loss === 'hinge' && training.margin === undefined) training.margin = DEFAULT_MARGIN;
    if (training.loss === 'logistic' && training.scale === undefined) training.scale = DEFAULT_LOGISTIC_SCALE;
    if (training.mode === 'pairwise' && training.pairwise_reduction === undefined) training.pairwise_reduction = DEFAULT_PAIRWISE_REDUCTION;
  }
  return defaulted;
}

export function isValidExperiment(value: unknown): value is Experiment {
  return checker().Check(value);
}

/** The schema's errors of an already defaulted value, without positions. */
export function schemaErrors(value: unknown): ValueError[] {
  return [...checker().Errors(value)];
}

/** Schema diagnostics of an already defaulted value; positions come from `parsed`. */
export function schemaDiagnostics(parsed: Pick<ParsedExperimentText, 'doc' | 'lineCounter' | 'text'>, value: unknown): ConfigDiagnostic[] {
  if (value === null || value === undefined) {
    return [
      {
        code: 'schema-empty',
        severity: 'error',
        message: 'The experiment file is empty. It needs at least `data` (either `interactions` or `synthetic`), `user_tower` and `item_tower`.',
        range: rangeAt(parsed, []),
        path: [],
      },
    ];
  }
  if (checker().Check(value)) return [];
  const errors = [...checker().Errors(value)];
  // Required-key errors first, so that "missing `item_tower`" wins over "`item_tower` is not an object".
  errors.sort((a, b) => rank(a) - rank(b));
  const reported: string[] = [];
  const out: ConfigDiagnostic[] = [];
  for (const e of errors) {
    const path = pointerToPath(e.path);
    const key = e.path;
    // One diagnostic per place: skip an error inside (or at) a value that is already reported as wrong.
    if (reported.some((r) => key === r || key.startsWith(r + '/'))) continue;
    const d = toDiagnostic(parsed, e, path);
    if (!d) continue;
    out.push(d);
    if (e.type !== ValueErrorType.ObjectAdditionalProperties) reported.push(key);
  }
  return out;
}

function rank(e: ValueError): number {
  if (e.type === ValueErrorType.ObjectRequiredProperty) return 0;
  if (e.type === ValueErrorType.ObjectAdditionalProperties) return 1;
  return 2;
}

function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  return `${typeof value === 'number' && !Number.isInteger(value) ? 'the number' : typeof value === 'number' ? 'the integer' : 'the boolean'} ${String(value)}`;
}

const TYPE_NAMES: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.Object]: 'a mapping (key: value lines)',
  [ValueErrorType.Array]: 'a list',
  [ValueErrorType.Integer]: 'an integer',
  [ValueErrorType.Number]: 'a number',
  [ValueErrorType.String]: 'a string',
  [ValueErrorType.Boolean]: 'true or false',
  [ValueErrorType.Tuple]: 'a list',
};

function toDiagnostic(parsed: Pick<ParsedExperimentText, 'doc' | 'lineCounter' | 'text'>, e: ValueError, path: ConfigPath): ConfigDiagnostic | undefined {
  const where = formatPath(path) || 'the file';
  const schema = e.schema as TSchema & { minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; minItems?: number; description?: string; items?: unknown };
  const make = (code: string, message: string, target: 'key' | 'value', at: ConfigPath = path, data?: unknown): ConfigDiagnostic => ({
    code,
    severity: 'error',
    message,
    range: rangeAt(parsed, at, target),
    path,
    ...(data === undefined ? {} : { data }),
  });
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const parentPath = path.slice(0, -1);
      const name = String(path[path.length - 1]);
      const parent = schemaAt(parentPath);
      const keys = parent.ok ? objectKeys(parent.schema) : [];
      const hint = didYouMean(name, keys);
      const inWhat = parentPath.length ? `\`${formatPath(parentPath)}\`` : 'the top level';
      // A right key at the wrong level (`batch_size` at the top instead of under `training`) is a common slip.
      const homes = hint.suggestion === undefined ? whereKeyLives(name).map((p) => formatPath(p.map((s) => (typeof s === 'number' ? '[]' : s))).replace(/\.\[\]/g, '[]')) : [];
      const elsewhere = homes.length > 0 ? ` \`${name}\` belongs under ${homes.map((h) => `\`${h}\``).join(' or ')}.` : '';
      return make(
        'schema-unknown-key',
        `Unknown key \`${name}\` in ${inWhat}.${hint.text}${elsewhere} Valid keys: ${keys.join(', ')}.`,
        'key',
        path,
        { key: name, replacement: hint.suggestion, validKeys: keys, ...(homes.length > 0 ? { belongsUnder: homes } : {}) },
      );
    }
    case ValueErrorType.ObjectRequiredProperty: {
      const parentPath = path.slice(0, -1);
      const name = String(path[path.length - 1]);
      const desc = schema.description ? ` ${schema.description}` : '';
      const inWhat = parentPath.length ? `\`${formatPath(parentPath)}\`` : 'the experiment';
      return make('schema-required', `Missing required key \`${name}\` in ${inWhat}.${desc}`, 'key', parentPath, { key: name });
    }
    case ValueErrorType.Union: {
      const allowed = enumValues(schema);
      if (allowed) {
        const given = typeof e.value === 'string' ? e.value : undefined;
        const hint = given === undefined ? { text: '' } : didYouMean(given, allowed);
        const shown = given === undefined ? describe(e.value) : `\`${given}\``;
        return make('schema-enum', `${shown} is not a valid \`${where}\`.${hint.text} Expected one of: ${allowed.join(', ')}.`, 'value', path, {
          replacement: hint.suggestion,
          allowed,
        });
      }
      return make('schema-type', `\`${where}\` has the wrong type (${describe(e.value)}). ${schema.description ?? ''}`.trim(), 'value');
    }
    case ValueErrorType.Object:
    case ValueErrorType.Array:
    case ValueErrorType.Integer:
    case ValueErrorType.Number:
    case ValueErrorType.String:
    case ValueErrorType.Boolean:
    case ValueErrorType.Tuple: {
      let expected = TYPE_NAMES[e.type] ?? 'another type';
      if (e.type === ValueErrorType.Tuple && Array.isArray(schema.items)) expected = `a list of ${schema.items.length} integers, e.g. [10, 50]`;
      const props = (schema as { properties?: Record<string, unknown> }).properties;
      if (e.type === ValueErrorType.Object && typeof e.value === 'string' && props && 'path' in props) {
        return make('schema-type', `\`${where}\` must be a mapping, got ${describe(e.value)}. For a file, write \`${String(path[path.length - 1])}: { path: ${e.value} }\`.`, 'value', path, {
          replacement: { path: e.value },
        });
      }
      if (e.type === ValueErrorType.Integer && typeof e.value === 'number') {
        return make('schema-type', `\`${where}\` must be a whole number, got ${String(e.value)}.`, 'value');
      }
      return make('schema-type', `\`${where}\` must be ${expected}, got ${describe(e.value)}.`, 'value');
    }
    case ValueErrorType.TupleLength:
      return make('schema-type', `\`${where}\` must be a list of ${Array.isArray(schema.items) ? schema.items.length : 'the right number of'} values, e.g. [10, 50].`, 'value');
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return make('schema-range', `\`${where}\` must be ≥ ${schema.minimum}, got ${String(e.value)}.`, 'value', path, { minimum: schema.minimum });
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return make('schema-range', `\`${where}\` must be ≤ ${schema.maximum}, got ${String(e.value)}.`, 'value', path, { maximum: schema.maximum });
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.IntegerExclusiveMinimum:
      return make('schema-range', `\`${where}\` must be > ${schema.exclusiveMinimum}, got ${String(e.value)}.`, 'value', path, { exclusiveMinimum: schema.exclusiveMinimum });
    case ValueErrorType.NumberExclusiveMaximum:
    case ValueErrorType.IntegerExclusiveMaximum:
      return make('schema-range', `\`${where}\` must be < ${schema.exclusiveMaximum}, got ${String(e.value)}.`, 'value', path, { exclusiveMaximum: schema.exclusiveMaximum });
    case ValueErrorType.ArrayMinItems:
      return make('schema-range', `\`${where}\` needs at least ${schema.minItems} entr${schema.minItems === 1 ? 'y' : 'ies'}.`, 'value');
    default:
      return make('schema-invalid', `\`${where}\`: ${e.message}.`, 'value');
  }
}
