import { describe, expect, it } from 'vitest';
import { type TextSlice, textSlices } from './text-slices';

function slicesOf(text: string, maxChars: number): TextSlice[] {
  return [...textSlices(text, maxChars)];
}

function expectWhole(text: string, slices: TextSlice[], maxChars: number) {
  expect(slices.map((s) => text.slice(s.start, s.end)).join('')).toBe(text);
  for (const [i, slice] of slices.entries()) {
    expect(slice.end - slice.start).toBeGreaterThan(0);
    expect(slice.end - slice.start).toBeLessThanOrEqual(maxChars);
    if (i > 0) expect(slice.start).toBe(slices[i - 1]!.end);
  }
}

describe('textSlices', () => {
  it('leaves text of up to maxChars whole', () => {
    expect(slicesOf('a short text', 100)).toEqual([{ start: 0, end: 12, forced: false }]);
    expect(slicesOf('', 100)).toEqual([]);
  });

  it('cuts prose before a space that follows a word, never forced', () => {
    const text = 'the party shall give notice of the amount due. '.repeat(40);
    const slices = slicesOf(text, 100);
    expectWhole(text, slices, 100);
    for (const slice of slices.slice(1)) {
      expect(text[slice.start]).toBe(' ');
      expect(text[slice.start - 1]).not.toBe(' ');
    }
    expect(slices.some((s) => s.forced)).toBe(false);
  });

  it('cuts a URL or base64 before punctuation that follows a letter or digit', () => {
    const text = Array.from({ length: 50 }, (_, i) => `https://example.com/a${i}/b?q=${i}&r=x`).join('');
    const slices = slicesOf(text, 64);
    expectWhole(text, slices, 64);
    for (const slice of slices.slice(1)) {
      expect(text[slice.start]).toMatch(/[^A-Za-z0-9' ]/);
      expect(text[slice.start - 1]).toMatch(/[A-Za-z0-9]/);
    }
    expect(slices.some((s) => s.forced)).toBe(false);
  });

  it("does not cut before an apostrophe (the word's contraction) or between two spaces", () => {
    const text = `${"it's".repeat(30)}${'  '.repeat(30)}`;
    const slices = slicesOf(text, 16);
    expectWhole(text, slices, 16);
    for (const cut of slices.slice(0, -1).filter((s) => !s.forced)) {
      expect(text[cut.end]).not.toBe("'");
      if (text[cut.end] === ' ') expect(text[cut.end - 1]).not.toBe(' ');
    }
    expect(slices.some((s) => s.forced)).toBe(true);
  });

  it('forces a cut every maxChars characters in a run without spaces or punctuation', () => {
    const text = 'a'.repeat(10_000);
    const slices = slicesOf(text, 1000);
    expectWhole(text, slices, 1000);
    expect(slices).toHaveLength(10);
    expect(slices.slice(0, -1).every((s) => s.forced && s.end - s.start === 1000)).toBe(true);
    expect(slices.at(-1)!.forced).toBe(false);
  });

  it('never cuts a surrogate pair in two', () => {
    const text = `x${'😀'.repeat(5000)}`;
    const slices = slicesOf(text, 1000);
    expectWhole(text, slices, 1000);
    for (const slice of slices) {
      const last = text.charCodeAt(slice.end - 1);
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
    }
  });
});
