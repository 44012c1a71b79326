/**
 * Diagnostics of an experiment file: one shape for YAML syntax errors, schema errors, semantic rules and
 * data checks, so that the CLI, the language server and the run command report the same thing.
 */

/** A position in the file, 0-based like LSP. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info';

export interface ConfigDiagnostic {
  /** Stable code, e.g. `yaml-syntax`, `schema-unknown-key`, `impressed-negatives` (see RULE_CODES). */
  code: string;
  severity: Severity;
  message: string;
  range: Range;
  /** The config path the diagnostic is about, e.g. ['training', 'negatives', 'source']. */
  path?: (string | number)[];
  /** Hints for quick fixes, e.g. `{ replacement: 'batch_size' }`; the shape per code is in RULE_CODES. */
  data?: unknown;
}

/** "file:line:col: severity CODE: message", 1-based like compilers print it. */
export function formatDiagnostic(file: string, d: ConfigDiagnostic): string {
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.code}: ${d.message}`;
}

export function hasErrors(diagnostics: readonly ConfigDiagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by position so that reports read top to bottom. */
export function sortDiagnostics(diagnostics: ConfigDiagnostic[]): ConfigDiagnostic[] {
  return diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
