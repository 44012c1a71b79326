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
import { decodeInSql, type Decoded, type IdColumn, type ValueColumn } from './sqlDecode';

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
}

/**
 * The cells of every tower's features from one read of `source` (the user and the item tower reading
 * theirs from the same interactions file read it once). `skipRows`: the rows to leave out (the held-out
 * interactions), by their order among the rows read. Undefined when the SQL path declines the table.
 */
export async function featureCellsInSql(source: TableSource, towers: readonly FeatureColumns[], skipRows?: Uint8Array): Promise<FeatureCells[] | undefined> {
  if (towers.length === 0) return [];
  const keys: IdColumn[] = towers.map((c) => ({
    kind: 'lookup',
    index: c.keyCol,
    name: c.key,
    vocabulary: c.entities,
    // The interactions repeat keys by design (their last training row wins); a feature table must not.
    ...(skipRows ? {} : { duplicateError: (file: string, line: number, firstLine: number, id: string) => duplicateKeyError(file, line, firstLine, id, c.key, c.configKey) }),
  }));
  const categorical: IdColumn[] = towers.flatMap((c) => c.specs.categorical.map((f, i): IdColumn => ({ kind: 'codes', index: c.catCols[i], name: f.name })));
  const continuous: ValueColumn[] = towers.flatMap((c, t) =>
    c.specs.continuous.map(
      (f, i): ValueColumn => ({
        kind: 'optional-number',
        index: c.conCols[i],
        name: f.name,
        knownIdColumn: t,
        ...(f.normalize === 'log' ? { refuse: { sql: (v: string) => `${v} <= -1`, test: outsideLogDomain, error: logDomainError } } : {}),
      }),
    ),
  );
  const decoded = await decodeInSql(source.file, source.sql!, [...keys, ...categorical], continuous, { skipRows });
  if (!decoded) return undefined;
  let catAt = towers.length;
  let conAt = 0;
  return towers.map((c, t) => {
    const cells = towerCells(decoded, t, catAt, conAt, c);
    catAt += c.specs.categorical.length;
    conAt += c.specs.continuous.length;
    return cells;
  });
}

/** One tower's cells from the decoded columns: its key at `key`, its categorical and continuous columns from `catAt` and `conAt` on. */
function towerCells(decoded: Decoded, key: number, catAt: number, conAt: number, c: FeatureColumns): FeatureCells {
  const n = c.size;
  const entityOf = decoded.ids[key];
  const codesOf = decoded.ids.slice(catAt, catAt + c.specs.categorical.length);
  const vocabularies = decoded.vocabularies.slice(catAt, catAt + c.specs.categorical.length).map((v) => v!);
  const raw = decoded.values.slice(conAt, conAt + c.specs.continuous.length);
  const lastCode = codesOf.map(() => new Int32Array(n));
  const counts = vocabularies.map((v) => new Array<number>(v.size).fill(0));
  const values = raw.map(() => new Float64Array(n).fill(NaN));
  const hasRow = new Uint8Array(n);
  const largest = raw.map(() => ({ value: 0, line: 0 }));
  // In file order, as the row path: counts over every row, the rest from the rows of known entities (the last wins).
  for (let r = 0; r < decoded.rows; r++) {
    for (let f = 0; f < codesOf.length; f++) counts[f][codesOf[f][r]]++;
    const e = entityOf[r];
    if (e === 0) continue;
    hasRow[e] = 1;
    for (let f = 0; f < codesOf.length; f++) lastCode[f][e] = codesOf[f][r];
    for (let f = 0; f < values.length; f++) {
      const v = raw[f][r];
      if (Math.abs(v) > Math.abs(largest[f].value)) largest[f] = { value: v, line: decoded.line[r] };
      values[f][e] = v;
    }
  }
  return {
    // Code 0 never occurs for a coded column (codes start at 1); an entity without a row keeps '' (none).
    categorical: lastCode.map((codes, f) => Array.from(codes, (code) => (code > 0 ? vocabularies[f].ids[code] : ''))),
    categoryCounts: counts.map((perCode, f) => ({ distinct: vocabularies[f].ids.slice(1), counts: perCode.slice(1) })),
    continuous: values,
    hasRow,
    largest,
  };
}
