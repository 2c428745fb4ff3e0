import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rowsOf, textBar } from '../../cli/policy.ts';

/** `pcn policy status`: its text progress bar and the rows a redraw moves up over. */
describe('the text progress bar', () => {
  it('is always 30 cells wide, filled in proportion to the share, and names the counts', () => {
    fc.assert(
      fc.property(fc.nat(500), fc.nat(500), (a, b) => {
        const [part, whole] = a <= b ? [a, b] : [b, a];
        const bar = textBar(part, whole, 'acknowledged');
        const cells = /^\[([#-]{30})\] (\d+)\/(\d+) +(\d+)% {2}acknowledged$/.exec(bar);
        expect(cells, bar).not.toBeNull();
        const filled = cells![1]!.replace(/-/g, '').length;
        expect(filled).toBe(whole === 0 ? 0 : Math.round((part / whole) * 30));
        expect(cells!.slice(2, 4)).toEqual([String(part), String(whole)]);
      }),
    );
  });

  it('is empty when nobody is targeted, full when everyone is counted', () => {
    expect(textBar(0, 0, 'notified')).toBe(`[${'-'.repeat(30)}] 0/0   0%  notified`);
    expect(textBar(7, 7, 'notified')).toBe(`[${'#'.repeat(30)}] 7/7 100%  notified`);
  });
});

describe('the rows a watch redraws', () => {
  it('counts a line longer than the terminal as the rows it wraps onto', () => {
    expect(rowsOf('short\nlines', 80)).toBe(2);
    expect(rowsOf(`${'x'.repeat(100)}\nshort`, 80)).toBe(3);
    expect(rowsOf(`${'x'.repeat(160)}`, 80)).toBe(2);
    expect(rowsOf('a\n\nb', 80)).toBe(3);
    // Width unknown: one row per line.
    expect(rowsOf(`${'x'.repeat(100)}\nshort`, undefined)).toBe(2);
  });
});
