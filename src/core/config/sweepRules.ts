/**
 * The rules of the `sweep:` section: every swept path is a field of the experiment (not of the sweep
 * itself), every value written for it passes that field's schema, a random distribution has what it
 * draws from, `training.seed` is not swept while `seeds` repeats the points, and the sweep's metric is
 * one the evaluation computes. Rules that need the whole expanded config (a loss that does not fit the
 * mode at one grid point) are the experiment's own rules, run on each point by core/sweep/expand.ts.
 */
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

import { didYouMean } from '../util/suggest';
import type { ConfigDiagnostic } from './diagnostics';
import { formatPath, type ConfigPath } from './document';
import { parseOverride } from './overrides';
import { evaluatedMetricNames, ruleDiagnostic, type RuleContext } from './rules';
import { schemaAt } from './schemaPath';

/** The config path of a swept parameter (`training.negatives.source` → [training, negatives, source]), or why it is not one. */
export function sweepParameterSchema(name: string): { path: ConfigPath; schema: TSchema } | { error: string; suggestion?: string } {
  const parsed = parseOverride(`${name}=null`);
  if ('error' in parsed) return { error: `\`${name}\` is not a parameter path (write it as for --set, e.g. training.negatives.source).` };
  if (parsed.path[0] === 'sweep') return { error: `\`${name}\` is part of the sweep itself; a sweep varies the experiment's fields, not its own.` };
  const step = schemaAt(parsed.path);
  if (step.ok) return { path: parsed.path, schema: step.schema };
  const bad = String(parsed.path[step.depth]);
  const prefix = formatPath(parsed.path.slice(0, step.depth));
  if (step.reason === 'unknown-key') {
    const hint = didYouMean(bad, step.keys);
    const suggestion = hint.suggestion !== undefined ? [...parsed.path.slice(0, step.depth), hint.suggestion].join('.') : undefined;
    return { error: `\`${name}\` is not a field of the experiment: ${prefix ? `\`${prefix}\`` : 'the top level'} has no key \`${bad}\`.${hint.text} Valid keys: ${step.keys.join(', ')}.`, suggestion };
  }
  return { error: `\`${name}\` is not a field of the experiment: \`${prefix}\` holds a value, not fields.` };
}

const isInteger = (schema: TSchema): boolean => (schema as { type?: string }).type === 'integer';
const isNumeric = (schema: TSchema): boolean => ['number', 'integer'].includes((schema as { type?: string }).type ?? '');

/** Why `value` cannot be the value of the field (its schema's first error), or undefined when it can. */
export function sweepValueProblem(schema: TSchema, value: unknown): string | undefined {
  if (Value.Check(schema, value)) return undefined;
  const first = Value.Errors(schema, value).First();
  return first?.message ?? 'it does not fit the field';
}

const sweepRule = (ctx: RuleContext): ConfigDiagnostic[] => {
  const sweep = ctx.config.sweep;
  if (!sweep) return [];
  const out: ConfigDiagnostic[] = [];
  const checkValues = (name: string, at: ConfigPath, values: readonly unknown[], schema: TSchema): void => {
    values.forEach((value, i) => {
      const problem = sweepValueProblem(schema, value);
      if (problem !== undefined) out.push(ruleDiagnostic(ctx, 'sweep-bad-value', [...at, i], `${JSON.stringify(value)} cannot be a value of \`${name}\`: ${problem}.`));
    });
  };
  const parameter = (name: string, at: ConfigPath): { path: ConfigPath; schema: TSchema } | undefined => {
    const found = sweepParameterSchema(name);
    if ('error' in found) {
      out.push(ruleDiagnostic(ctx, 'sweep-unknown-path', at, found.error, found.suggestion !== undefined ? { replacement: found.suggestion } : undefined, 'key'));
      return undefined;
    }
    return found;
  };
  const swept = new Set<string>();
  for (const [name, values] of Object.entries(sweep.grid ?? {})) {
    swept.add(name);
    const found = parameter(name, ['sweep', 'grid', name]);
    if (found) checkValues(name, ['sweep', 'grid', name], values, found.schema);
  }
  for (const [name, d] of Object.entries(sweep.random?.parameters ?? {})) {
    const at: ConfigPath = ['sweep', 'random', 'parameters', name];
    if (swept.has(name)) out.push(ruleDiagnostic(ctx, 'sweep-bad-distribution', at, `\`${name}\` is swept by both \`grid\` and \`random\`; sweep it in one of them.`, undefined, 'key'));
    swept.add(name);
    const found = parameter(name, at);
    if (!found) continue;
    if (d.distribution === 'choice') {
      if (d.values === undefined) out.push(ruleDiagnostic(ctx, 'sweep-bad-distribution', at, `\`choice\` of \`${name}\` needs \`values\`: the list it draws from.`, undefined, 'key'));
      else checkValues(name, [...at, 'values'], d.values, found.schema);
      continue;
    }
    if (!isNumeric(found.schema)) {
      out.push(ruleDiagnostic(ctx, 'sweep-bad-distribution', [...at, 'distribution'], `\`${name}\` is not a number, so it cannot be drawn from \`${d.distribution}\`; use \`distribution: choice\` with \`values\`.`));
      continue;
    }
    if (d.min === undefined || d.max === undefined) {
      out.push(ruleDiagnostic(ctx, 'sweep-bad-distribution', at, `\`${d.distribution}\` of \`${name}\` needs \`min\` and \`max\`.`, undefined, 'key'));
      continue;
    }
    if (!(d.min < d.max)) out.push(ruleDiagnostic(ctx, 'sweep-bad-distribution', [...at, 'min'], `\`${name}\`: min ${d.min} must be below max ${d.max}.`));
    else if (d.distribution === 'log_uniform' && d.min <= 0) out.push(ruleDiagnostic(ctx, 'sweep-bad-distribution', [...at, 'min'], `\`log_uniform\` of \`${name}\` needs min > 0 (it draws evenly between log(min) and log(max)); got ${d.min}.`));
    else checkValues(name, at, isInteger(found.schema) ? [Math.round(d.min), Math.round(d.max)] : [d.min, d.max], found.schema);
  }
  const repeats = typeof sweep.seeds === 'number' ? sweep.seeds : sweep.seeds.length;
  if (swept.has('training.seed') && repeats > 1) {
    out.push(ruleDiagnostic(ctx, 'sweep-seed-conflict', ['sweep', 'seeds'], `\`training.seed\` is swept while \`seeds\` repeats every point over ${repeats} seeds: the repeats set training.seed themselves. Sweep it in one place.`));
  }
  if (Array.isArray(sweep.seeds) && new Set(sweep.seeds).size !== sweep.seeds.length) {
    out.push(ruleDiagnostic(ctx, 'sweep-seed-conflict', ['sweep', 'seeds'], `\`seeds\` lists a seed twice (${sweep.seeds.join(', ')}): a repeat with the same seed is the same run.`));
  }
  if (sweep.metric !== undefined) {
    const allowed = evaluatedMetricNames(ctx.config.evaluation);
    if (!allowed.includes(sweep.metric)) {
      out.push(ruleDiagnostic(ctx, 'sweep-metric', ['sweep', 'metric'], `The sweep is judged by \`${sweep.metric}\`, which the evaluation does not compute (it computes ${allowed.join(', ')}). Pick one of those, or add its metric or K to \`evaluation\`.`, { allowed }));
    }
  }
  return out;
};

export function runSweepRules(ctx: RuleContext): ConfigDiagnostic[] {
  return sweepRule(ctx);
}
