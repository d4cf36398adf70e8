import { describe, expect, it } from 'vitest';
import { compareCustomIds } from './custom-id-sets';

describe('compareCustomIds', () => {
  it('finds the same set in any order', () => {
    expect(compareCustomIds(['a', 'b', 'c'], ['c', 'a', 'b'])).toEqual({
      same: true,
      missing: 0,
      unexpected: 0,
    });
  });

  it('counts a result named twice once', () => {
    expect(compareCustomIds(['a', 'b'], ['b', 'a', 'b'])).toEqual({ same: true, missing: 0, unexpected: 0 });
  });

  it('tells apart a batch of the same size holding other requests', () => {
    expect(compareCustomIds(['a', 'b'], ['x', 'y'])).toEqual({ same: false, missing: 2, unexpected: 2 });
  });

  it('tells apart results that answer only part of the chunk', () => {
    expect(compareCustomIds(['a', 'b', 'c'], ['a', 'b', 'x'])).toEqual({
      same: false,
      missing: 1,
      unexpected: 1,
    });
    expect(compareCustomIds(['a', 'b', 'c'], ['a', 'b'])).toEqual({ same: false, missing: 1, unexpected: 0 });
  });

  it('tells apart results with more requests than the chunk', () => {
    expect(compareCustomIds(['a'], ['a', 'b'])).toEqual({ same: false, missing: 0, unexpected: 1 });
  });

  it('finds nothing the same in an empty result', () => {
    expect(compareCustomIds(['a'], [])).toEqual({ same: false, missing: 1, unexpected: 0 });
  });
});
