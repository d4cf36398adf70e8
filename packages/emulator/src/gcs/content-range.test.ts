import { describe, expect, it } from 'vitest';
import { parseDownloadRange, parseUploadRange } from './content-range';

describe('parseUploadRange', () => {
  it('reads the forms the storage SDK sends', () => {
    expect(parseUploadRange('bytes 0-*/*')).toEqual({ kind: 'data', start: 0, end: null, total: null });
    expect(parseUploadRange('bytes 10-*/100')).toEqual({ kind: 'data', start: 10, end: null, total: 100 });
    expect(parseUploadRange('bytes 0-262143/*')).toEqual({
      kind: 'data',
      start: 0,
      end: 262143,
      total: null,
    });
    expect(parseUploadRange('bytes 262144-300000/300001')).toEqual({
      kind: 'data',
      start: 262144,
      end: 300000,
      total: 300001,
    });
    expect(parseUploadRange('bytes */*')).toEqual({ kind: 'probe', total: null });
    expect(parseUploadRange('bytes */42')).toEqual({ kind: 'probe', total: 42 });
    expect(parseUploadRange(undefined)).toEqual({ kind: 'data', start: 0, end: null, total: null });
  });

  it('rejects malformed or inconsistent ranges', () => {
    for (const bad of ['bytes 5-4/*', 'bytes 0-10/10', 'items 0-1/2', 'bytes 0-1', 'bytes -1/2']) {
      expect(parseUploadRange(bad)).toBeNull();
    }
  });
});

describe('parseDownloadRange', () => {
  it('clamps and understands suffix ranges', () => {
    expect(parseDownloadRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseDownloadRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseDownloadRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseDownloadRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseDownloadRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseDownloadRange(undefined, 100)).toBeNull();
  });
});
