import { describe, expect, it } from 'vitest';
import { lineProgress } from './line-progress.js';

/** A line progress on a clock the test moves. */
function clocked(intervalMs = 2000) {
  let now = 0;
  const lines: string[] = [];
  const progress = lineProgress({
    label: 'running',
    write: (line) => lines.push(line),
    intervalMs,
    now: () => now,
  });
  return { progress, lines, advance: (ms: number) => (now += ms) };
}

describe('lineProgress', () => {
  it('prints the first update, then one line per further 10% or per interval, and the last state on stop', () => {
    const { progress, lines, advance } = clocked();
    progress.update(0, 100, 'pending 100');
    advance(100);
    progress.update(5, 100, 'pending 95');
    advance(100);
    progress.update(12, 100, 'pending 88');
    advance(100);
    progress.update(15, 100, 'pending 85');
    advance(2000);
    progress.update(16, 100, 'pending 84');
    advance(100);
    progress.update(17, 100, 'pending 83');
    progress.stop();
    expect(lines).toEqual([
      'running  0%  pending 100\n',
      'running  12%  eta 1s  pending 88\n',
      'running  16%  eta 12s  pending 84\n',
      'running  17%  eta 12s  pending 83\n',
    ]);
  });

  it('does not repeat on stop a state its last line showed', () => {
    const { progress, lines } = clocked();
    progress.update(10, 10, 'done');
    progress.update(10, 10, 'done');
    progress.stop();
    expect(lines).toEqual(['running  100%  done\n']);
  });

  it('prints counts alone when the total is unknown, and never a control character', () => {
    const { progress, lines, advance } = clocked();
    progress.update(3, null, '3 inputs\r\u001b[2K sent');
    advance(2000);
    progress.update(7, null, '7 inputs');
    progress.stop();
    expect(lines).toEqual(['running  3 inputs[2K sent\n', 'running  7 inputs\n']);
  });
});
