/**
 * Reads a ranking log (per request: the nominated items, their rank, whether ranking discarded them),
 * the source of log-based hard negatives. Users and items are looked up in the interactions'
 * vocabularies (0 = not in the interactions); request ids become dense 0-based indices.
 */
import { cellToFlag, cellToNumber, cellToString, type CellPlace } from './cells';
import type { RankingLogData, Vocabulary } from './dataset';
import { missingColumnError } from './errors';
import { Growable } from './growable';
import type { TableSource } from './readers/source';
import { decodeInSql } from './sqlDecode';
import { VocabularyBuilder } from './vocabulary';

export interface RankingLogColumns {
  request: string;
  user: string;
  item: string;
  rank: string;
  discarded: string;
}

export async function readRankingLog(source: TableSource, columns: RankingLogColumns, users: Vocabulary, items: Vocabulary, configKey: string): Promise<RankingLogData> {
  const col = (role: keyof RankingLogColumns): number => {
    const i = source.columns.indexOf(columns[role]);
    if (i < 0) {
      source.close();
      throw missingColumnError(source.file, columns[role], `the ${role} column of the ranking log`, source.columns, `${configKey}.columns.${role}`);
    }
    return i;
  };
  const c = { request: col('request'), user: col('user'), item: col('item'), rank: col('rank'), discarded: col('discarded') };
  if (source.sql) {
    // The SQL path (sqlDecode.ts): the same arrays, in the row path's order of checks.
    const decoded = await decodeInSql(
      source.file,
      source.sql,
      [
        { kind: 'codes', index: c.request, name: columns.request },
        { kind: 'lookup', index: c.user, name: columns.user, vocabulary: users },
        { kind: 'lookup', index: c.item, name: columns.item, vocabulary: items },
      ],
      [
        { kind: 'number', index: c.rank, name: columns.rank },
        { kind: 'flag', index: c.discarded, name: columns.discarded },
      ],
    );
    if (decoded) {
      // Request codes are 1-based like every vocabulary's; the log's requests count from 0. Ranks are
      // int32 as the row path's Growable stores them (Int32Array conversion of the parsed numbers).
      const requests = decoded.ids[0].map((code) => code - 1);
      return { requests, users: decoded.ids[1], items: decoded.ids[2], ranks: new Int32Array(decoded.values[0]), discarded: decoded.values[1] as Uint8Array };
    }
  }
  const requestIds = new VocabularyBuilder();
  const requests = new Growable(Int32Array);
  const u = new Growable(Int32Array);
  const it = new Growable(Int32Array);
  const ranks = new Growable(Int32Array);
  const discarded = new Growable(Uint8Array);
  const place: CellPlace = { file: source.file, line: 0, column: '' };
  await source.read((v, line) => {
    place.line = line;
    place.file = source.file;
    requests.push(requestIds.add(cellToString(v[c.request])) - 1);
    u.push(users.lookup(cellToString(v[c.user])));
    it.push(items.lookup(cellToString(v[c.item])));
    place.column = columns.rank;
    ranks.push(cellToNumber(v[c.rank], place, true));
    place.column = columns.discarded;
    discarded.push(cellToFlag(v[c.discarded], place));
  });
  return { requests: requests.finish(), users: u.finish(), items: it.finish(), ranks: ranks.finish(), discarded: discarded.finish() };
}
