/** The experiment config core: one import for the CLI, the language server and the extension's run command. */
export * from './check';
export * from './dataProbe';
export * from './diagnostics';
export { formatPath, locate, parseExperimentText, rangeAt, type ConfigPath, type ParsedExperimentText } from './document';
export * from './load';
export * from './overrides';
export { RULE_CODES, type RuleCode, type RuleDoc } from './rules';
export * from './schema';
export * from './schemaPath';
export { closest, didYouMean } from '../util/suggest';
export { applyDefaults } from './validate';
