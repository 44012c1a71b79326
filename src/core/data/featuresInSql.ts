/**
 * The features of a tower's entities read through DuckDB (sqlDecode.ts) instead of one JavaScript
 * string per cell: the key looked up in the entities' vocabulary in SQL, categorical values coded by
 * first appearance, continuous values parsed in SQL. When the features are columns of the interactions
 * (no feature table), the row path read the whole log again per tower; this reads it as fast as the
 * interactions themselves.
 *
 * The result is the row path's (entityFeatures.ts, held to it by test/unit/data/featuresInSql.test.ts):
 * held-out rows are not read, a known key twice in a feature table is refused with both lines, the
 * last row of an entity wins in the interactions, only rows of known entities have their continuous
 * cells parsed, and the first problem in file order is the one reported. Tables the SQL path does not
 * take (padded keys or values, other column types) give undefined, and the row path reads them.
 */
import type { Vocabulary } from './dataset';
import type { FeatureCells, FeatureSpecs } from './entityFeatures';
import { duplicateKeyError, logDomainError, outsideLogDomain } from './featureErrors';
import type { TableSource } from './readers/source';
import { decodeInSql, type IdColumn, type ValueColumn } from './sqlDecode';

export interface FeatureColumns {
  key: string;
  keyCol: number;
  catCols: number[];
  conCols: number[];
  specs: FeatureSpecs;
  entities: Vocabulary;
  /** The number of entities (entity 0 is the OOV row). */
  size: number;
  configKey: string;
  /** Rows to leave out (the held-out interactions), by their order among the rows read. */
  skipRows?: Uint8Array;
}

export async function featureCellsInSql(source: TableSource, c: FeatureColumns): Promise<FeatureCells | undefined> {
  const keyColumn: IdColumn = {
    kind: 'lookup',
    index: c.keyCol,
    name: c.key,
    vocabulary: c.entities,
    // The interactions repeat keys by design (their last training row wins); a feature table must not.
    ...(c.skipRows ? {} : { duplicateError: (file: string, line: number, firstLine: number, id: string) => duplicateKeyError(file, line, firstLine, id, c.key, c.configKey) }),
  };
  const categorical: IdColumn[] = c.specs.categorical.map((f, i) => ({ kind: 'codes', index: c.catCols[i], name: f.name }));
  const continuous: ValueColumn[] = c.specs.continuous.map((f, i) => ({
    kind: 'optional-number',
    index: c.conCols[i],
    name: f.name,
    ...(f.normalize === 'log' ? { refuse: { sql: (v: string) => `${v} <= -1`, test: outsideLogDomain, error: logDomainError } } : {}),
  }));
  const decoded = await decodeInSql(source.file, source.sql!, [keyColumn, ...categorical], continuous, { skipRows: c.skipRows, valuesOfKnownIdsOnly: true });
  if (!decoded) return undefined;

  const n = c.size;
  const entityOf = decoded.ids[0];
  const codesOf = decoded.ids.slice(1);
  const lastCode = codesOf.map(() => new Int32Array(n));
  const counts = codesOf.map((_, f) => new Array<number>(decoded.vocabularies[f + 1]!.size).fill(0));
  const values = c.specs.continuous.map(() => new Float64Array(n).fill(NaN));
  const hasRow = new Uint8Array(n);
  const largest = c.specs.continuous.map(() => ({ value: 0, line: 0 }));
  // In file order, as the row path: counts over every row, the rest from the rows of known entities (the last wins).
  for (let r = 0; r < decoded.rows; r++) {
    for (let f = 0; f < codesOf.length; f++) counts[f][codesOf[f][r]]++;
    const e = entityOf[r];
    if (e === 0) continue;
    hasRow[e] = 1;
    for (let f = 0; f < codesOf.length; f++) lastCode[f][e] = codesOf[f][r];
    for (let f = 0; f < values.length; f++) {
      const v = decoded.values[f][r];
      if (Math.abs(v) > Math.abs(largest[f].value)) largest[f] = { value: v, line: decoded.line[r] };
      values[f][e] = v;
    }
  }
  return {
    // Code 0 never occurs for a coded column (codes start at 1); an entity without a row keeps '' (none).
    categorical: lastCode.map((codes, f) => {
      const ids = decoded.vocabularies[f + 1]!.ids;
      return Array.from(codes, (code) => (code > 0 ? ids[code] : ''));
    }),
    categoryCounts: counts.map((perCode, f) => ({ distinct: decoded.vocabularies[f + 1]!.ids.slice(1), counts: perCode.slice(1) })),
    continuous: values,
    hasRow,
    largest,
  };
}
