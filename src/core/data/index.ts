/** The data layer's public API: what the trainer, the CLI and the benchmarks import. */
export type { CategoricalColumn, ContinuousColumn, Dataset, EntityFeatures, PositivePairs, RankingLogData, Vocabulary } from './dataset';
export { DataError } from './errors';
export { loadDataset, type LoadOptions, type LoadProgress } from './load';
export { generateSynthetic, trueScore, trueScores, type SyntheticData } from './synthetic';
export { syntheticCsv, syntheticTables, writeSynthetic, SYNTHETIC_COLUMNS, SYNTHETIC_FILES } from './syntheticTables';
export { openTable, resolveFormat, type DataFormatName } from './readers/open';
export type { Cell, TableSource } from './readers/source';
export { categoricalVocabulary, OOV_ID, VocabularyBuilder, vocabularyOf } from './vocabulary';
