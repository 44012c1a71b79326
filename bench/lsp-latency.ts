/**
 * Latency of diagnostics as you type: time from a didChange (an incremental edit, as VS Code sends) to the
 * publishDiagnostics for that version, on a 300-line experiment, over 500 edits (after 20 warm-up edits).
 * Runs the real server process over stdio. Target: p95 < 20 ms.
 *
 *   npx tsx bench/lsp-latency.ts [edits=500]
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { checkExperimentText } from '../src/core/config/check';
import { createFileDataProbe } from '../src/core/config/dataProbe';
import { FIXTURES, fixtureUri, LspTestClient } from '../test/lsp/lspClient';

const EDITS = Number(process.argv[2] ?? 500);
const WARMUP = 20;

/** The valid fixture grown to 300 lines with what real files carry: comments, a long description, a deep MLP. */
function threeHundredLines(): string {
  const base = readFileSync(path.join(FIXTURES, 'valid.tower.yaml'), 'utf8').trimEnd().split('\n');
  const description = ['description: |', ...Array.from({ length: 80 }, (_, i) => `  Line ${i + 1} of the notes on this experiment: what changed and why.`)];
  const mlp = ['  mlp:', '    hidden:', ...Array.from({ length: 60 }, (_, i) => `      - ${128 - i}`), '    activation: relu'];
  const lines = [...description, ...base];
  const towerAt = lines.indexOf('item_tower:');
  lines.splice(towerAt + 1, 0, ...mlp);
  while (lines.length < 300) lines.splice(lines.length - 2, 0, `# comment ${lines.length}: k is the list of cut-offs`);
  return `${lines.join('\n')}\n`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const client = await LspTestClient.start();
  try {
    const uri = fixtureUri('bench-latency.tower.yaml');
    let text = threeHundredLines();
    const lineCount = text.split('\n').length - 1;
    const initial = await client.open(uri, text);
    if (initial.length !== 0) throw new Error(`the bench file should be valid, got: ${initial.map((d) => `${d.code} ${d.message}`).join('; ')}`);
    const lines = text.split('\n');
    const epochsLine = lines.findIndex((l) => l.startsWith('  epochs: '));
    const sourceLine = lines.findIndex((l) => l.startsWith('    source: '));
    const samples: number[] = [];
    let version = 1;
    let withErrors = 0;
    for (let i = 0; i < WARMUP + EDITS; i++) {
      // Mostly typing a number; every 10th edit introduces an error (impressed negatives), the next removes it.
      const breaking = i % 10 === 0;
      const line = breaking || i % 10 === 1 ? sourceLine : epochsLine;
      const newLine = line === sourceLine ? `    source: ${breaking ? 'impressed_not_clicked' : 'in_batch'}` : `  epochs: ${(i % 9) + 1}`;
      const oldLength = text.split('\n')[line].length;
      const current = text.split('\n');
      current[line] = newLine;
      text = current.join('\n');
      version++;
      const published = client.nextDiagnostics(uri, (p) => p.version === version);
      const start = performance.now();
      await client.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version },
        contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: oldLength } }, text: newLine }],
      });
      const result = await published;
      const elapsed = performance.now() - start;
      if (breaking && !result.diagnostics.some((d) => d.code === 'impressed-negatives')) throw new Error(`edit ${i}: expected the impressed-negatives error`);
      if (result.diagnostics.length > 0) withErrors++;
      if (i >= WARMUP) samples.push(elapsed);
    }
    samples.sort((a, b) => a - b);
    const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
    console.log(`lsp-latency: didChange → publishDiagnostics, ${lineCount}-line file, ${samples.length} edits (${WARMUP} warm-up), ${withErrors} with an error`);
    console.log(`  median ${percentile(samples, 50).toFixed(2)} ms   p95 ${percentile(samples, 95).toFixed(2)} ms   max ${samples[samples.length - 1].toFixed(2)} ms   mean ${mean.toFixed(2)} ms`);
    // The validator alone, in this process, on the same text: what the server adds on top is the LSP round trip.
    const probe = createFileDataProbe();
    const filePath = path.join(FIXTURES, 'bench-latency.tower.yaml');
    const alone: number[] = [];
    for (let i = 0; i < WARMUP + EDITS; i++) {
      const start = performance.now();
      await checkExperimentText(text.replace(/ {2}epochs: \d/, `  epochs: ${(i % 9) + 1}`), { filePath, probe });
      if (i >= WARMUP) alone.push(performance.now() - start);
    }
    alone.sort((a, b) => a - b);
    console.log(`  validator alone (in process): median ${percentile(alone, 50).toFixed(2)} ms   p95 ${percentile(alone, 95).toFixed(2)} ms`);
  } finally {
    await client.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
