import { describe, expect, it } from 'vitest';

import { closest, editDistance } from '../../../src/core/util/suggest';

describe('editDistance', () => {
  it('counts inserts, deletes, substitutions and swaps', () => {
    expect(editDistance('bach_size', 'batch_size')).toBe(1); // insert t
    expect(editDistance('hinj', 'hinge')).toBe(2); // j→g, insert e
    expect(editDistance('lgoq', 'logq')).toBe(1); // adjacent swap
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('Softmax', 'softmax')).toBe(0); // case-insensitive
  });
});

describe('closest', () => {
  it('suggests a plausible typo fix and nothing for a far word', () => {
    expect(closest('sofmax', ['bce', 'hinge', 'logistic', 'softmax'])).toBe('softmax');
    expect(closest('movieid', ['userId', 'movieId', 'rating'])).toBe('movieId');
    expect(closest('batchSize', ['batch_size', 'epochs'])).toBe('batch_size');
    expect(closest('zzzzzz', ['name', 'data', 'training'])).toBeUndefined();
    expect(closest('x', ['k'])).toBe('k'); // one edit is allowed even for one letter
  });
});
