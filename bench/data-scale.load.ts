/**
 * The load half of bench/data-scale.ts, in a process of its own so that its peak memory is the loader's:
 * reads the interactions with our reader (readInteractions: DuckDB → typed arrays and vocabularies), then,
 * given one, the ranking log (readRankingLog: ids looked up in those vocabularies), then the whole
 * loadDataset (positives, split, counts), and prints one JSON line.
 *
 *   npx tsx bench/data-scale.load.ts FILE.csv WARMUP.csv [RANKING_LOG.csv]
 */
import { loadDataset } from '../src/core/data/load';
import { readInteractions } from '../src/core/data/interactions';
import { readRankingLog } from '../src/core/data/rankingLog';
import { openTable } from '../src/core/data/readers/open';
import { ExperimentSchema } from '../src/core/config/schema';
import { Value } from '@sinclair/typebox/value';

const MAPPING = { user: 'user_id', item: 'item_id', timestamp: 'timestamp', impressed: 'impressed', clicked: 'clicked' };

async function main(file: string, warmup: string, rankingLog?: string): Promise<void> {
  // Start DuckDB (dlopen, the instance) and warm the reader on a small file first, as the peer's timing
  // starts after `import pandas`: what is compared is reading the file.
  await readInteractions(await openTable(warmup, 'auto'), MAPPING, 'data.interactions.columns');
  const began = performance.now();
  const source = await openTable(file, 'auto');
  const data = await readInteractions(source, MAPPING, 'data.interactions.columns');
  const readSec = (performance.now() - began) / 1000;
  const readRssMB = process.resourceUsage().maxRSS / 1024;
  let rankingLogSec: number | undefined;
  let rankingLogRows: number | undefined;
  if (rankingLog) {
    const t0 = performance.now();
    const log = await readRankingLog(await openTable(rankingLog, 'auto'), { request: 'request_id', user: 'user_id', item: 'item_id', rank: 'rank', discarded: 'discarded' }, data.users, data.items, 'data.ranking_log');
    rankingLogSec = (performance.now() - t0) / 1000;
    rankingLogRows = log.items.length;
  }
  const config = Value.Default(ExperimentSchema, { data: { interactions: { path: file } }, user_tower: {}, item_tower: {} }) as typeof ExperimentSchema.static;
  const t1 = performance.now();
  const ds = await loadDataset(config, file);
  const loadSec = (performance.now() - t1) / 1000;
  console.log(JSON.stringify({ rows: data.rows, readSec, readRssMB, rankingLogSec, rankingLogRows, loadSec, positives: ds.stats.positives, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

main(process.argv[2], process.argv[3], process.argv[4]).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
