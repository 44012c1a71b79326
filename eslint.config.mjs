import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'media/**', 'node_modules/**', 'test/host/code-server/**', 'test/host/.cache/**', '.two-tower-lab/**', 'out/**', '**/*.js', '**/*.mjs', 'bench/peers/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  // The layers of DESIGN.md, enforced: core is pure (no editor, no LSP), the webview sees only the shared
  // protocol, and the extension host never loads an engine (tfjs, DuckDB, usearch, torch are trainer-only).
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['vscode', 'vscode-languageserver*', 'vscode-languageclient*'], message: 'core/** is used by the trainer, the language server and the host alike: no editor or LSP imports here.' }] }],
    },
  },
  {
    files: ['src/webview/**/*.ts', 'src/recommendView/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/core/**', '**/extension/**', '**/server/**', '**/trainer/**', 'vscode', 'node:*'], message: 'The webview runs in a browser sandbox: it imports only src/shared/ and browser libraries.' }] }],
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@tensorflow/*', '@duckdb/*', 'usearch', '**/trainer/**', '**/core/train/engine*', '**/core/model/**', '**/core/data/readers/**', '**/core/serving/annIndex'], message: 'The extension host stays light: engines and data readers load only in trainer processes.' }] }],
    },
  },
  {
    // usearch is native and loads only in trainer processes, never in the language server either.
    files: ['src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['usearch', '**/core/serving/annIndex'], message: 'usearch (the ANN index) loads only in the trainer (src/core/serving, src/trainer).' }] }],
    },
  },
);
