/**
 * The one validation of an experiment, used by the CLI, the language server and the run command:
 * YAML syntax → --set overrides → schema (with defaults) → two-tower semantic rules → data rules and engine rules
 * (what the machine has for the torch engine).
 * YAML and --set errors stop the check (one mistake, one diagnostic); schema errors do not: the rules then
 * run on the file's valid parts, so that all problems show at once.
 */
import { Value } from '@sinclair/typebox/value';

import type { ConfigDiagnostic } from './diagnostics';
import { hasErrors, sortDiagnostics } from './diagnostics';
import { locate, parseExperimentText, rangeAt, type ConfigPath, type ParsedExperimentText } from './document';
import { runDataRules } from './dataRules';
import type { DataProbe } from './dataProbe';
import { runEngineRules, type EngineProbe } from './engineRules';
import { applyOverrides, type ParsedOverride } from './overrides';
import { runStructuralRules, type RuleContext } from './rules';
import type { Experiment } from './schema';
import { applyDefaults, isValidExperiment, schemaDiagnostics } from './validate';
import { overlaps, validParts, type ValidParts } from './validParts';

export interface CheckOptions {
  /** The experiment file's path: data paths are resolved against it. */
  filePath: string;
  /** `--set path=value` arguments, applied before validation. */
  overrides?: readonly string[];
  /** Reads data file headers for the column and item-count rules; without it those rules are skipped. */
  probe?: DataProbe;
  /** Asks the machine what the torch engine would find (torch-not-found, cuda-not-found); without it those rules are skipped. */
  engines?: EngineProbe;
}

export interface CheckResult {
  /** The resolved config (defaults filled, overrides applied); present only when there is no error. */
  config?: Experiment;
  /** Sorted by position. */
  diagnostics: ConfigDiagnostic[];
}

interface Stage {
  parsed: ParsedExperimentText;
  diagnostics: ConfigDiagnostic[];
  applied: ParsedOverride[];
  candidate?: Experiment;
  /** When the schema fails: its valid parts, for the rules to check meanwhile (see validParts). */
  partial?: ValidParts;
  /**
   * True when the text already spells out every default (a run's config.yaml, or a copy of one): then a key
   * being written says nothing about what the user chose, and the rules see no key as written.
   */
  spelledOut?: boolean;
}

function structuralStage(text: string, overrides: readonly string[]): Stage {
  const parsed = parseExperimentText(text);
  const diagnostics = [...parsed.diagnostics];
  if (hasErrors(diagnostics)) return { parsed, diagnostics, applied: [] };
  const { diagnostics: setDiagnostics, applied } = applyOverrides(parsed, overrides);
  diagnostics.push(...setDiagnostics);
  if (hasErrors(setDiagnostics)) return { parsed, diagnostics, applied };
  let raw: unknown;
  try {
    raw = parsed.doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // toJS throws on alias bombs ("excessive alias count"); report it instead of hanging or crashing.
    diagnostics.push({ code: 'yaml-syntax', severity: 'error', message: `The YAML cannot be read: ${e instanceof Error ? e.message : String(e)}`, range: rangeAt(parsed, []) });
    return { parsed, diagnostics, applied };
  }
  if (isCyclic(raw)) {
    diagnostics.push({ code: 'yaml-syntax', severity: 'error', message: 'An alias refers to a node that contains it (`&a [*a]`), which makes an endless value. Remove the recursive alias.', range: rangeAt(parsed, []) });
    return { parsed, diagnostics, applied };
  }
  const value = applyDefaults(raw);
  const schemaErrors = schemaDiagnostics(parsed, value);
  diagnostics.push(...markOverridden(schemaErrors, applied));
  if (hasErrors(schemaErrors) || !isValidExperiment(value)) return { parsed, diagnostics, applied, partial: validParts(raw) };
  return { parsed, diagnostics, applied, candidate: value, spelledOut: Value.Equal(raw, value) };
}

/** True when the value contains itself (a recursive YAML alias); such a value cannot be validated or copied. */
function isCyclic(value: unknown, ancestors = new Set<object>()): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const children = Array.isArray(value) ? value : Object.values(value);
  const cyclic = children.some((child) => isCyclic(child, ancestors));
  ancestors.delete(value);
  return cyclic;
}

/**
 * The rules' view of the check: the valid config, or the valid parts of one that fails the schema.
 * `parsed.doc` has the --set overrides applied, so a key set on the command line counts as written.
 */
function ruleContext({ parsed, candidate, partial, spelledOut }: Stage): RuleContext | undefined {
  const config = candidate ?? partial?.config;
  if (!config) return undefined;
  return {
    config,
    rangeAt: (path, target) => rangeAt(parsed, path, target),
    written: (path) => !spelledOut && locate(parsed.doc, path).depth === path.length,
  };
}

/** Says which diagnostics are about a value that came from --set, since their range points at the file. */
function markOverridden(diagnostics: ConfigDiagnostic[], applied: readonly ParsedOverride[]): ConfigDiagnostic[] {
  if (applied.length === 0) return diagnostics;
  const within = (p: ConfigPath | undefined, o: ConfigPath) => p !== undefined && o.length <= p.length && o.every((s, i) => String(s) === String(p[i]));
  return diagnostics.map((d) => {
    const source = applied.find((o) => within(d.path, o.path) || (d.path !== undefined && within(o.path, d.path) && d.path.length > 0));
    return source ? { ...d, message: `${d.message} (value set by --set ${source.source})` } : d;
  });
}

function finish(stage: Stage, extra: ConfigDiagnostic[]): CheckResult {
  // On valid parts, a rule about a place that was taken out would be judging the default, not the user's value.
  const removed = stage.candidate ? [] : (stage.partial?.removed ?? []);
  const kept = extra.filter((d) => !removed.some((r) => overlaps(r, d.path ?? [])));
  const diagnostics = sortDiagnostics([...stage.diagnostics, ...markOverridden(kept, stage.applied)]);
  return hasErrors(diagnostics) || !stage.candidate ? { diagnostics } : { config: stage.candidate, diagnostics };
}

/** The fast path without data files (the language server's per-keystroke check). */
export function checkExperimentTextSync(text: string, options: Omit<CheckOptions, 'probe'>): CheckResult {
  const stage = structuralStage(text, options.overrides ?? []);
  const ctx = ruleContext(stage);
  return finish(stage, ctx ? runStructuralRules(ctx) : []);
}

/** The full check, including the data files through `probe` when given. Never throws on bad input. */
export async function checkExperimentText(text: string, options: CheckOptions): Promise<CheckResult> {
  const stage = structuralStage(text, options.overrides ?? []);
  const ctx = ruleContext(stage);
  if (!ctx) return finish(stage, []);
  const structural = runStructuralRules(ctx);
  const data = options.probe ? await runDataRules(ctx, options.probe, options.filePath) : [];
  const engine = options.engines ? await runEngineRules(ctx, options.engines) : [];
  return finish(stage, [...structural, ...data, ...engine]);
}

