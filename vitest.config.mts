import { defineConfig } from 'vitest/config';

// One runner for unit, protocol (LSP), trainer-process and browser tests; the extension-host tier runs in code-server (scripts/test.mjs).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    exclude: ['test/host/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
