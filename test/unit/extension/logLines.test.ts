import { describe, expect, it } from 'vitest';

import { prefixLines } from '../../../src/extension/runs/logLines';

describe('prefixLines: one channel for every trainer, each line with its run id', () => {
  it('prefixes whole lines and keeps a line cut between chunks until its end arrives', () => {
    const first = prefixLines('r1', '', 'epoch 1 loss 4.1\nepoch 2 lo');
    expect(first).toEqual({ out: '[r1] epoch 1 loss 4.1\n', rest: 'epoch 2 lo' });
    const second = prefixLines('r1', first.rest, 'ss 3.9\n');
    expect(second).toEqual({ out: '[r1] epoch 2 loss 3.9\n', rest: '' });
  });
  it('an empty line keeps its prefix; a chunk without a newline waits', () => {
    expect(prefixLines('r2', '', '\n')).toEqual({ out: '[r2] \n', rest: '' });
    expect(prefixLines('r2', '', 'partial')).toEqual({ out: '', rest: 'partial' });
  });
});
