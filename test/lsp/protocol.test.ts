/**
 * The real server process (`--stdio`) given raw bytes that break the LSP base protocol: a non-numeric,
 * negative or absurd Content-Length, headers without one, a header line without `:`, a body that is not
 * JSON. Each used to leave it alive and deaf (no answer, no log); now it logs the protocol error on stderr
 * and exits non-zero, so that the client restarts it. Good bytes in odd chunks are still answered.
 */
import { describe, expect, it } from 'vitest';

import { FramingGuard } from '../../src/server/framing';
import { LspTestClient } from './lspClient';

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n${body}`;

/** Starts and initializes the real server, writes `raw` to its stdin, and waits for it to exit. */
async function exitAfter(raw: string): Promise<{ code: number | null; stderr: string }> {
  const client = await LspTestClient.start();
  client.process.stdin!.write(raw);
  const code = await client.exited;
  client.connection.dispose();
  return { code, stderr: client.stderr.join('') };
}

describe('protocol errors end the server, with a log line', () => {
  const cases: [string, string, RegExp][] = [
    ['a non-numeric Content-Length', 'Content-Length: abc\r\n\r\n{}', /Content-Length is "abc", not a number of bytes/],
    ['a negative Content-Length', 'Content-Length: -5\r\n\r\n{}', /Content-Length is "-5", not a number of bytes/],
    ['a number with trailing garbage', 'Content-Length: 5x\r\n\r\n{"jsonrpc":"2.0"}', /Content-Length is "5x"/],
    ['an absurd Content-Length', 'Content-Length: 99999999999\r\n\r\n{}', /Content-Length 99999999999 is larger than any message/],
    ['no Content-Length', 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}', /the headers have no Content-Length/],
    ['a header line without a colon', 'Content-Length 2\r\n\r\n{}', /the header line "Content-Length 2" is not "Name: value"/],
    ['a body that is not JSON', frame('{"jsonrpc": "2.0", "method": '), /message 3: the body of \d+ bytes is not JSON/],
    ['headers that never end', 'x'.repeat(9000), /no end of headers \(a blank line\) within 8192 bytes/],
  ];
  for (const [name, raw, expected] of cases) {
    it(`${name}: logged, exit 1`, async () => {
      const { code, stderr } = await exitAfter(raw);
      expect(code).toBe(1);
      expect(stderr).toMatch(/two-tower language server: protocol error on stdin: /);
      expect(stderr).toMatch(expected);
      expect(stderr).toContain('Exiting so that the client restarts the server.');
    });
  }
});

describe('good bytes, in any chunks, are answered', () => {
  it('a request written one byte at a time, with a multi-byte body, gets its answer', async () => {
    const client = await LspTestClient.start();
    const uri = 'file:///tmp/ünïcode.tower.yaml';
    const open = frame(JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'two-tower', version: 1, text: 'name: "é ü ✓"\n' } } }));
    const request = frame(JSON.stringify({ jsonrpc: '2.0', id: 'byte-by-byte', method: 'textDocument/documentSymbol', params: { textDocument: { uri } } }));
    const answered = new Promise<string>((resolve) => {
      let out = '';
      client.process.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('"id":"byte-by-byte"')) resolve(out);
      });
    });
    const bytes = Buffer.from(open + request, 'utf8');
    for (let i = 0; i < bytes.length; i++) client.process.stdin!.write(bytes.subarray(i, i + 1));
    expect(await answered).toContain('"id":"byte-by-byte"');
    expect(client.process.exitCode).toBeNull();
    await client.stop();
  });
});

describe('FramingGuard', () => {
  it('reads two messages from one chunk and one message over many, and finds the fault in the third', () => {
    const guard = new FramingGuard();
    const two = Buffer.from(frame('{"a":1}') + frame('[1,2]'));
    expect(guard.push(two)).toBeUndefined();
    const third = Buffer.from(frame('{"ü":"✓"}'));
    for (let i = 0; i < third.length; i++) expect(guard.push(third.subarray(i, i + 1))).toBeUndefined();
    expect(guard.push(Buffer.from('Content-Length: -1\r\n\r\n'))).toBe('message 4: Content-Length is "-1", not a number of bytes (a whole number ≥ 0)');
  });
});
