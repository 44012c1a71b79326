/**
 * The column names an SQL filter (`data.interactions.where`) refers to, found without an SQL engine (the
 * language server loads no DuckDB): identifiers outside string literals that are neither keywords, nor
 * function names (followed by `(`), nor type names after `::`/`AS`. `"quoted names"` are names. This is a
 * check for misspelled columns, not a parser: an expression that passes it may still be refused by DuckDB
 * when training starts, with DuckDB's reason.
 */

const KEYWORDS = new Set(
  (
    'and or not is null true false in like ilike glob similar to between case when then else end cast try_cast as ' +
    'distinct from escape exists any all some collate interval date time timestamp varchar integer bigint double ' +
    'float boolean text int smallint tinyint hugeint decimal numeric real ubigint uinteger year month day hour minute second'
  ).split(' '),
);

export function whereColumns(sql: string): string[] {
  const names: string[] = [];
  const token = /'(?:[^']|'')*'|"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_]*)|(::)|(\S)/g;
  let afterCast = false;
  for (let m = token.exec(sql); m; m = token.exec(sql)) {
    const [, quoted, bare, cast] = m;
    if (cast) {
      afterCast = true;
      continue;
    }
    if (quoted !== undefined) names.push(quoted.replace(/""/g, '"'));
    else if (bare !== undefined) {
      const lower = bare.toLowerCase();
      const isCall = /^\s*\(/.test(sql.slice(token.lastIndex));
      const preceding = sql.slice(0, m.index).trimEnd();
      const isType = afterCast || /\bas$/i.test(preceding);
      if (!KEYWORDS.has(lower) && !isCall && !isType) names.push(bare);
    }
    afterCast = false;
  }
  return [...new Set(names)];
}
