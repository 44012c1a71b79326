/** Which torch worker died, read from torchrun's failure summary as torch 1.13 prints it. */
import { describe, expect, it } from 'vitest';

import { describeFailure, failedRank } from '../../../src/trainer/torch/runner';

// Printed by torchrun after rank 1 was killed with SIGKILL and rank 0 then exited 3 (another rank gone):
// its "Root Cause" is the bystander, and its own log line mentions local_rank 0 with exit code 3.
const SUMMARY = `ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 3) local_rank: 0 (pid: 16765) of binary: /usr/bin/python3
torch.distributed.elastic.multiprocessing.errors.ChildFailedError: 
============================================================
two_tower_lab.worker FAILED
------------------------------------------------------------
Failures:
  time      : 2026-12-02_03:59:58
  host      : localhost
  rank      : 1 (local_rank: 1)
  exitcode  : -9 (pid: 16766)
  error_file: <N/A>
  traceback : Signal 9 (SIGKILL) received by PID 16766
------------------------------------------------------------
Root Cause (first observed failure):
  time      : 2026-12-02_03:59:58
  host      : localhost
  rank      : 0 (local_rank: 0)
  exitcode  : 3 (pid: 16765)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
============================================================`;

describe('torch worker failures', () => {
  it('names the rank that died, not the bystander that exited because it was gone', () => {
    expect(failedRank(SUMMARY)).toEqual({ rank: '1', exit: -9 });
  });

  it('takes the only block when every rank exited on its own, and nothing when there is no summary', () => {
    const one = SUMMARY.replace('exitcode  : -9 (pid: 16766)', 'exitcode  : 3 (pid: 16766)');
    expect(failedRank(one)?.exit).toBe(3);
    expect(failedRank('no summary here')).toBeUndefined();
  });

  it('the message says which rank, how, and its last lines', () => {
    const perRank = new Map([
      ['torchrun', SUMMARY.split('\n')],
      ['1', ['Traceback (most recent call last):', 'MemoryError: out of memory']],
    ]);
    const message = describeFailure(1, null, perRank, false);
    expect(message).toMatch(/^torch worker rank 1 died \(killed by signal 9\)/);
    expect(message).toMatch(/MemoryError: out of memory/);
    expect(message).toMatch(/--resume/);
  });
});
