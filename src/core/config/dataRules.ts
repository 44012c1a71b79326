/**
 * Rules that look at the data files: a missing or unreadable file, a column or feature that the file does
 * not have (with did-you-mean), an evaluation K larger than the catalogue, and a hard-negative band beyond
 * the ranking log's ranks (hardBandRules.ts). They read headers through a DataProbe, so the language server
 * can run them lazily and the tests can fake the file system.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import { columnList, isColumnName } from '../data/readers/header';
import { MOVIELENS_RATING_COLUMNS } from '../data/readers/movielens';
import { DataFileError, isMovieLensFile, movieLensLayoutOf, movieLensSiblingTable, type DataFormatName, type DataProbe } from './dataProbe';
import type { ConfigDiagnostic } from './diagnostics';
import type { ConfigPath } from './document';
import { hardBandRules } from './hardBandRules';
import { modelMemoryRule, type EntityCounts } from './memoryRule';
import { resolveDataPath } from './paths';
import { kExceedsCatalogue, ruleDiagnostic, type RuleContext } from './rules';
import { closest, didYouMean } from '../util/suggest';
import { whereColumns } from './whereColumns';

interface FileRef {
  /** Path of the `path` key of this file in the config. */
  at: ConfigPath;
  relPath: string;
  format: DataFormatName;
}

/**
 * The files beside a missing one whose names are plausible typos of its name (suggest.ts's `closest`, best
 * first, at most three), written like `relPath` (same folder prefix), so each can replace it as is.
 */
async function nearbyFiles(relPath: string, abs: string): Promise<string[]> {
  // A folder that is missing too (or unreadable) has nothing to offer; the diagnostic says where it looked.
  const entries = await fs.readdir(path.dirname(abs), { withFileTypes: true }).catch(() => []);
  let pool = entries.filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.endsWith('.tower.yaml')).map((e) => e.name);
  const found: string[] = [];
  for (let next = closest(path.basename(abs), pool); next !== undefined && found.length < 3; next = closest(path.basename(abs), pool)) {
    found.push(next);
    pool = pool.filter((name) => name !== next);
  }
  const prefix = relPath.slice(0, relPath.length - path.basename(relPath).length);
  return found.map((name) => prefix + name);
}

/** Checks one file exists and returns its columns, or pushes the file's own diagnostic. */
async function columnsOf(ctx: RuleContext, probe: DataProbe, experimentFile: string, ref: FileRef, out: ConfigDiagnostic[]): Promise<{ abs: string; columns: string[] } | undefined> {
  const abs = resolveDataPath(experimentFile, ref.relPath);
  let result: string[] | Error;
  try {
    result = await probe.columns(abs, ref.format);
  } catch (e) {
    // A probe is supposed to return errors, not throw; a throwing one is reported like an unreadable file.
    result = e instanceof Error ? e : new Error(String(e));
  }
  if (result instanceof Error) {
    if (result instanceof DataFileError && result.kind === 'not-read') {
      out.push(ruleDiagnostic(ctx, 'data-file-not-read', ref.at, `The data file \`${ref.relPath}\` is not checked: ${result.message}`, { resolvedPath: abs }));
      return undefined;
    }
    if (result instanceof DataFileError && result.kind === 'not-a-table') {
      out.push(ruleDiagnostic(ctx, 'data-file-unreadable', ref.at, `The data file \`${ref.relPath}\` does not look like a table: ${result.message}`, { resolvedPath: abs }));
      return undefined;
    }
    const missing = result instanceof DataFileError ? result.kind === 'missing' : /ENOENT|does not exist/.test(result.message);
    const candidates = missing ? await nearbyFiles(ref.relPath, abs) : [];
    const hint = candidates.length > 0 ? ` Did you mean ${candidates.map((c) => `\`${c}\``).join(' or ')}?` : '';
    out.push(
      missing
        ? ruleDiagnostic(ctx, 'data-file-missing', ref.at, `The data file \`${ref.relPath}\` does not exist (looked for ${abs}). Paths are relative to the experiment file.${hint}`, { resolvedPath: abs, candidates })
        : ruleDiagnostic(ctx, 'data-file-unreadable', ref.at, `The data file \`${ref.relPath}\` cannot be read: ${result.message}`, { resolvedPath: abs }),
    );
    return undefined;
  }
  return { abs, columns: result };
}

/** A column the file lacks; the file's columns are listed (and suggested) only where they look like names (data/readers/header.ts). */
function checkColumn(ctx: RuleContext, out: ConfigDiagnostic[], at: ConfigPath, name: string, columns: string[], fileLabel: string, role: string): void {
  if (columns.includes(name)) return;
  const names = columns.filter(isColumnName);
  const hint = didYouMean(name, names);
  const list = columnList(columns, (c) => c);
  out.push(
    ruleDiagnostic(ctx, 'unknown-column', at, `\`${fileLabel}\` has no column \`${name}\` (${role}).${hint.text} ${list === '' ? 'None of its columns looks like a column name, so they are not shown: check the path.' : `Its columns are: ${list}.`}`, {
      replacement: hint.suggestion,
      columns: names,
    }),
  );
}

/** Optional roles are taken from columns of these names when not mapped, as the data reader does (core/data/load.ts). */
const CONVENTIONAL_NAMES = { timestamp: 'timestamp', rating: 'rating', clicked: 'clicked', impressed: 'impressed' } as const;

type Columns = NonNullable<NonNullable<RuleContext['config']['data']['interactions']>['columns']>;

/** The positive rule and the split need columns that the file may not have: say so before a run fails on it. */
function roleRules(ctx: RuleContext, label: string, given: Columns | undefined, header: string[]): ConfigDiagnostic[] {
  const out: ConfigDiagnostic[] = [];
  const has = (role: keyof typeof CONVENTIONAL_NAMES) => given?.[role] !== undefined || header.includes(CONVENTIONAL_NAMES[role]);
  const { positive, split } = ctx.config.data;
  const rule = positive?.rule ?? 'clicked';
  const ruleAt: ConfigPath = positive ? ['data', 'positive', 'rule'] : ['data', 'interactions'];
  if (rule === 'clicked' && !has('clicked')) {
    const replacement = has('rating') ? 'rating_at_least' : 'all';
    out.push(
      ruleDiagnostic(
        ctx,
        'positive-needs-column',
        ruleAt,
        `The positive rule is \`clicked\`${positive ? '' : ' (the default)'}, but \`${label}\` has no click column: a positive is an impressed and clicked item, and without a click flag none can be found. ` +
          (replacement === 'rating_at_least'
            ? 'The file has ratings (explicit feedback, as in MovieLens): use `data.positive: { rule: rating_at_least, threshold: 4 }`, or map `data.interactions.columns.clicked`.'
            : 'Map `data.interactions.columns.clicked` to the click flag, or use `data.positive.rule: all` if every row is a positive.'),
        { replacement, column: 'clicked' },
        positive ? 'value' : 'key',
      ),
    );
  }
  if (rule === 'rating_at_least' && !has('rating')) {
    // The fixes the data allows: a header column that looks like the rating, the click flag if there is one, or every row.
    const mapTo = closest('rating', header.filter(isColumnName));
    const replacements = has('clicked') ? ['clicked', 'all'] : ['all'];
    out.push(
      ruleDiagnostic(
        ctx,
        'positive-needs-column',
        ruleAt,
        `The positive rule \`rating_at_least\` needs a rating column, but \`${label}\` has no \`rating\` column and none is mapped. ` +
          (mapTo ? `Map \`data.interactions.columns.rating: ${mapTo}\`` : 'Map `data.interactions.columns.rating` to the column that holds it') +
          (has('clicked') ? ', or use `rule: clicked` (the file has a click flag)' : '') +
          ', or `rule: all` if every row is a positive.',
        { column: 'rating', replacements, ...(mapTo ? { mapTo } : {}) },
      ),
    );
  }
  const method = split?.method ?? 'leave_last_n';
  if ((method === 'leave_last_n' || method === 'time_cut') && !has('timestamp')) {
    out.push(
      ruleDiagnostic(
        ctx,
        'split-needs-timestamp',
        split ? ['data', 'split', 'method'] : ['data', 'interactions'],
        `The split \`${method}\`${split ? '' : ' (the default)'} holds out positives by time, so that the model is evaluated on what users did after training, but \`${label}\` has no \`timestamp\` column and none is mapped. ` +
          'Map `data.interactions.columns.timestamp`, or use `data.split.method: random`.',
        { replacement: 'random' },
        split ? 'value' : 'key',
      ),
    );
  }
  return out;
}

/** Runs the data rules; never throws (probe failures become diagnostics). */
export async function runDataRules(ctx: RuleContext, probe: DataProbe, experimentFile: string): Promise<ConfigDiagnostic[]> {
  const out: ConfigDiagnostic[] = [];
  const { data, user_tower, item_tower } = ctx.config;
  let interactionColumns: string[] | undefined;
  // Distinct users and items of the interactions, for the model's memory estimate.
  const counts: EntityCounts = {};

  if (data.interactions) {
    const ref: FileRef = { at: ['data', 'interactions', 'path'], relPath: data.interactions.path, format: data.interactions.format };
    const found = await columnsOf(ctx, probe, experimentFile, ref, out);
    if (found) {
      interactionColumns = found.columns;
      const given = data.interactions.columns;
      const movieLens = isMovieLensFile(found.abs, ref.format);
      // MovieLens files are read with their own column names unless the file maps them explicitly.
      if (given || !movieLens) {
        const cols = given ?? { user: 'user_id', item: 'item_id' };
        for (const [role, name] of Object.entries(cols) as [string, string | undefined][]) {
          if (name === undefined) continue;
          const at: ConfigPath = given ? ['data', 'interactions', 'columns', role] : ['data', 'interactions', 'path'];
          checkColumn(ctx, out, at, name, found.columns, data.interactions.path, given ? `data.interactions.columns.${role}` : `the default ${role} column; map it with data.interactions.columns.${role}`);
        }
      }
      out.push(...roleRules(ctx, data.interactions.path, given, found.columns));
      if (data.interactions.where) {
        // The filter's names, as far as they can be told without DuckDB. No replacement fix: it would overwrite the whole expression.
        for (const name of whereColumns(data.interactions.where)) {
          if (found.columns.includes(name)) continue;
          const names = found.columns.filter(isColumnName);
          const hint = didYouMean(name, names);
          out.push(
            ruleDiagnostic(ctx, 'unknown-column', ['data', 'interactions', 'where'], `The filter names \`${name}\`, but \`${data.interactions.path}\` has no such column.${hint.text} Its columns are: ${columnList(found.columns, (c) => c)}. (String values go in single quotes: 'DE'.)`, {
              columns: names,
            }),
          );
        }
      }
      if (probe.itemCount) {
        const layout = movieLensLayoutOf(found.abs, ref.format);
        const mlItem = layout === 'latest-ratings' || layout === '100k-data' ? MOVIELENS_RATING_COLUMNS[layout].item : undefined;
        const itemColumn = given?.item ?? mlItem ?? 'item_id';
        let count: number | undefined | Error;
        try {
          count = await probe.itemCount(found.abs, itemColumn, ref.format);
        } catch (e) {
          count = e instanceof Error ? e : new Error(String(e));
        }
        if (typeof count === 'number' && count > 0) out.push(...kExceedsCatalogue(ctx, count, `\`${data.interactions.path}\` has`));
        if (typeof count === 'number') counts.items = count;
        const mlUser = layout === 'latest-ratings' || layout === '100k-data' ? MOVIELENS_RATING_COLUMNS[layout].user : undefined;
        const users = await probe.itemCount(found.abs, given?.user ?? mlUser ?? 'user_id', ref.format).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
        if (typeof users === 'number') counts.users = users;
      }
    }
  }
  out.push(...modelMemoryRule(ctx, counts));

  const tables: { side: 'user' | 'item'; columns?: string[]; label?: string }[] = [];
  for (const side of ['user', 'item'] as const) {
    const table = side === 'user' ? data.user_features : data.item_features;
    const key = `${side}_features` as const;
    if (!table) {
      // MovieLens as it comes: the readers take features from the files beside the ratings when present.
      const sibling = data.interactions ? movieLensSiblingTable(resolveDataPath(experimentFile, data.interactions.path), data.interactions.format, side) : undefined;
      const siblingColumns = sibling ? await probe.columns(sibling.path, sibling.format).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))) : undefined;
      if (sibling && Array.isArray(siblingColumns)) tables.push({ side, columns: siblingColumns, label: path.basename(sibling.path) });
      else tables.push({ side, columns: interactionColumns, label: data.interactions?.path });
      continue;
    }
    const found = await columnsOf(ctx, probe, experimentFile, { at: ['data', key, 'path'], relPath: table.path, format: table.format }, out);
    if (found) {
      checkColumn(ctx, out, ['data', key, 'key'], table.key, found.columns, table.path, `the ${side} id of data.${key}.key`);
      tables.push({ side, columns: found.columns, label: table.path });
    } else {
      tables.push({ side });
    }
  }

  for (const { side, columns, label } of tables) {
    if (!columns || !label) continue;
    const tower = side === 'user' ? user_tower : item_tower;
    const towerKey = `${side}_tower`;
    tower.categorical.forEach((f, i) => checkColumn(ctx, out, [towerKey, 'categorical', i, 'name'], f.name, columns, label, `categorical ${side} feature`));
    tower.continuous.forEach((f, i) => checkColumn(ctx, out, [towerKey, 'continuous', i, 'name'], f.name, columns, label, `continuous ${side} feature`));
  }

  if (data.ranking_log) {
    const log = data.ranking_log;
    const found = await columnsOf(ctx, probe, experimentFile, { at: ['data', 'ranking_log', 'path'], relPath: log.path, format: log.format }, out);
    if (found) {
      for (const [role, name] of Object.entries(log.columns)) {
        checkColumn(ctx, out, ['data', 'ranking_log', 'columns', role], name, found.columns, log.path, `data.ranking_log.columns.${role}`);
      }
    }
  }
  out.push(...(await hardBandRules(ctx, probe, experimentFile)));
  return out;
}
