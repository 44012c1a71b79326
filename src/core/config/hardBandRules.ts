/**
 * A data rule on hard negatives from a ranking log: a rank band that starts beyond the deepest rank of
 * the log selects no candidate, so every hard slot of it would silently become an easy negative. The
 * ranks come from the log file through the DataProbe (its `rank` column), or, for `data.synthetic`,
 * from the generator's depth, which the config fixes (no file is read).
 */
import { syntheticLogMaxRank } from '../data/synthetic';
import type { BandName } from '../sampling/hard';
import type { DataProbe, NumberRange } from './dataProbe';
import type { ConfigDiagnostic } from './diagnostics';
import type { ConfigPath } from './document';
import { resolveDataPath } from './paths';
import { ruleDiagnostic, type RuleContext } from './rules';

/** The ranks of the run's ranking log and how to name it in a message, or undefined when unknown. */
async function logRanks(ctx: RuleContext, probe: DataProbe, experimentFile: string): Promise<{ ranks: NumberRange; label: string } | undefined> {
  const { data } = ctx.config;
  if (data.ranking_log) {
    if (!probe.numberRange) return undefined;
    const log = data.ranking_log;
    let ranks: NumberRange | undefined | Error;
    try {
      ranks = await probe.numberRange(resolveDataPath(experimentFile, log.path), log.columns.rank, log.format);
    } catch (e) {
      // A probe is supposed to return errors, not throw; the file's own rules report what is wrong with it.
      void e;
      return undefined;
    }
    return ranks === undefined || ranks instanceof Error ? undefined : { ranks, label: `the ranks in \`${log.path}\` (column \`${log.columns.rank}\`)` };
  }
  if (data.synthetic?.ranking_log) {
    const items = data.synthetic.items;
    return { ranks: { min: 0, max: syntheticLogMaxRank(items) }, label: `the ranks of the synthetic ranking log (\`data.synthetic\` with ${items} items)` };
  }
  return undefined;
}

/** Warns about each used band of `training.negatives.hard` that lies wholly beyond the ranking log's deepest rank. */
export async function hardBandRules(ctx: RuleContext, probe: DataProbe, experimentFile: string): Promise<ConfigDiagnostic[]> {
  const hard = ctx.config.training.negatives.hard;
  if (hard.source !== 'ranking_log') return [];
  const found = await logRanks(ctx, probe, experimentFile);
  if (!found) return [];
  const { ranks, label } = found;
  // A band counts ranks behind the user's target (rank − target rank, the target ranked at least min, or 0), so no offset exceeds this.
  const reach = ranks.max - Math.min(0, ranks.min);
  // As `namedBandsFromConfig` (sampling/hard.ts) picks them; not imported, since that one throws on an empty band (an error of its own rule).
  const used: BandName[] = hard.band === 'both' ? ['relatively_hard', 'extremely_hard'] : [hard.band];
  const valid = used.filter((name) => hard[name][0] < hard[name][1]);
  const outside = valid.filter((name) => hard[name][0] > reach);
  return outside.map((name) => {
    const [from, to] = hard[name];
    const inside = valid.filter((other) => !outside.includes(other));
    const consequence =
      inside.length > 0
        ? `so it selects no candidate and hard slots draw only from \`${inside.join('`, `')}\``
        : 'so it selects no candidate, and every hard slot falls back to an easy negative';
    const example = `[${Math.min(10, reach)}, ${reach + 1}]`;
    const fixes = [`a band within the log's ranks (e.g. \`${name}: ${example}\`)`];
    if (inside.length > 0) fixes.push(`\`band: ${inside[0]}\``);
    fixes.push(ctx.config.data.synthetic ? 'more items in `data.synthetic`' : 'a deeper ranking log', 'hard negatives mined with the model (`source: mined`)');
    return ruleDiagnostic(
      ctx,
      'hard-band-outside-log',
      bandPath(ctx, name),
      `\`${name}\` is [${from}, ${to}), but ${label} run from ${ranks.min} to ${ranks.max}: a band counts ranks behind the user's target, ${consequence}. Use ${fixes.slice(0, -1).join(', ')} or ${fixes.at(-1)}.`,
      { band: name, ranks },
    );
  });
}

/** The band's own key when the file writes it; else `band`, which chose it. */
function bandPath(ctx: RuleContext, name: BandName): ConfigPath {
  const own: ConfigPath = ['training', 'negatives', 'hard', name];
  return ctx.written(own) ? own : ['training', 'negatives', 'hard', 'band'];
}
