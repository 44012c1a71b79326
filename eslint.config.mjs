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
  {
    // Native modules load only in trainer processes (DESIGN.md): never in the extension host, the language server or the webview.
    files: ['src/extension/**/*.ts', 'src/server/**/*.ts', 'src/webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'usearch', message: 'usearch is native and loads only in the trainer (src/core/serving, src/trainer).' }], patterns: [{ group: ['**/core/serving/annIndex'], message: 'The ANN index loads usearch: trainer processes only.' }] }],
    },
  },
);
