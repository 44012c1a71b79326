/** Tokenises text with the extension's TextMate grammar through vscode-textmate + vscode-oniguruma (as VS Code does). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, parseRawGrammar, Registry, type IGrammar } from 'vscode-textmate';

const require = createRequire(import.meta.url);
const GRAMMAR = path.resolve(__dirname, '../../syntaxes/two-tower.tmLanguage.json');

export interface Token {
  text: string;
  start: number;
  scopes: string[];
}

let grammarPromise: Promise<IGrammar> | undefined;

export function loadGrammar(): Promise<IGrammar> {
  grammarPromise ??= (async () => {
    const wasm = readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new Registry({
      onigLib: Promise.resolve({ createOnigScanner: (s) => new oniguruma.OnigScanner(s), createOnigString: (s) => new oniguruma.OnigString(s) }),
      loadGrammar: async (scopeName) => (scopeName === 'source.two-tower' ? parseRawGrammar(readFileSync(GRAMMAR, 'utf8'), GRAMMAR) : null),
    });
    const grammar = await registry.loadGrammar('source.two-tower');
    if (!grammar) throw new Error(`Could not load the grammar ${GRAMMAR}`);
    return grammar;
  })();
  return grammarPromise;
}

/** Tokens of each line of `text`, carrying the rule stack from line to line like the editor does. */
export function tokenize(grammar: IGrammar, text: string): Token[][] {
  let stack = INITIAL;
  return text.split('\n').map((line) => {
    const result = grammar.tokenizeLine(line, stack);
    stack = result.ruleStack;
    return result.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), start: t.startIndex, scopes: t.scopes }));
  });
}

/** A readable snapshot: each line, then each token's column, text and scopes (the root scope left out). */
export function snapshot(text: string, tokens: Token[][]): string {
  const lines = text.split('\n');
  const out: string[] = [];
  tokens.forEach((lineTokens, i) => {
    out.push(`${i + 1}| ${lines[i]}`);
    for (const t of lineTokens) {
      const scopes = t.scopes.filter((s) => s !== 'source.two-tower');
      if (t.text.trim() === '' && scopes.length === 0) continue;
      out.push(`    ${String(t.start).padStart(3)} ${JSON.stringify(t.text)} ${scopes.join(' ')}`);
    }
  });
  return `${out.join('\n')}\n`;
}
