/**
 * The one spawn of a trainer command run to completion (doctor, data, recommend): its output, the
 * command line's environment over the extension's, and a failure that says whether it was cut off.
 */
import { describe, expect, it } from 'vitest';

import { runTrainerChild } from '../../../src/extension/trainerChild';

const node = (script: string, env: Record<string, string> = {}) => ({ command: process.execPath, args: ['-e', script], env });
const limits = { timeoutMs: 20_000, maxBufferBytes: 1024 * 1024 };

describe('runTrainerChild', () => {
  it('a command that exits 0: its stdout and stderr, no failure, the line’s environment applied', async () => {
    const r = await runTrainerChild(node('console.log(process.env.TTL_PROBE); console.error("warn")', { TTL_PROBE: 'from the line' }), process.cwd(), limits);
    expect(r).toEqual({ stdout: 'from the line\n', stderr: 'warn\n', failure: undefined });
  });

  it('a command that exits 3: its output and a failure that is not a timeout', async () => {
    const r = await runTrainerChild(node('process.stderr.write("two-tower-lab: no such run\\n"); process.exit(3)'), process.cwd(), limits);
    expect(r.stderr).toBe('two-tower-lab: no such run\n');
    expect(r.failure).toMatchObject({ timedOut: false });
    expect(r.failure?.message).toMatch(/Command failed/);
  });

  it('a command that hangs: cut off at the limit, and said so', async () => {
    const r = await runTrainerChild(node('setInterval(() => {}, 1000)'), process.cwd(), { ...limits, timeoutMs: 300 });
    expect(r.failure).toMatchObject({ timedOut: true });
  });
});
