import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../src/index.ts';
import { DAY_MS, T0 } from './harness.ts';

describe('VirtualClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('frozen: time moves only by advance, and timers fire in due order', async () => {
    const clock = await VirtualClock.open({ frozenAt: T0 });
    expect(clock.now()).toEqual(T0);
    const fired: string[] = [];
    const at = (days: number) => new Date(T0.getTime() + days * DAY_MS);
    void clock.sleepUntil(at(90)).then(() => fired.push('90'));
    void clock.sleepUntil(at(30)).then(() => fired.push('30'));
    void clock.sleepUntil(at(30)).then(() => fired.push('30b'));
    void clock.sleepUntil(at(45)).then(() => fired.push('45'));
    expect(clock.pendingTimers()).toBe(4);
    expect(clock.nextTimerAt()).toEqual(at(30));

    expect(await clock.advance(29 * DAY_MS)).toEqual(at(29));
    await Promise.resolve();
    expect(fired).toEqual([]);
    await clock.advance(20 * DAY_MS);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fired).toEqual(['30', '30b', '45']);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(41 * DAY_MS);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fired).toEqual(['30', '30b', '45', '90']);
    expect(clock.now()).toEqual(at(90));
  });

  it('sleepUntil resolves at once for the past, rejects on abort, and advance rejects negative time', async () => {
    const clock = await VirtualClock.open({ frozenAt: T0 });
    await clock.sleepUntil(new Date(T0.getTime() - 1));
    await clock.sleepUntil(T0);
    const controller = new AbortController();
    const sleeping = clock.sleepUntil(new Date(T0.getTime() + DAY_MS), controller.signal);
    expect(clock.pendingTimers()).toBe(1);
    controller.abort(new Error('stopped'));
    await expect(sleeping).rejects.toThrow('stopped');
    expect(clock.pendingTimers()).toBe(0);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    await expect(clock.sleepUntil(new Date(Number.NaN))).rejects.toThrow(RangeError);
  });

  it('persists its offset so virtual time survives a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'virtual-clock-'));
    try {
      const filePath = join(dir, 'nested', 'clock.json');
      const first = await VirtualClock.open({ filePath, frozenAt: T0 });
      await first.advance(3 * DAY_MS);
      await first.advance(2 * DAY_MS);
      expect(JSON.parse(await readFile(filePath, 'utf8'))).toEqual({ offsetMs: 5 * DAY_MS });
      first.close();
      const second = await VirtualClock.open({ filePath, frozenAt: T0 });
      expect(second.now()).toEqual(new Date(T0.getTime() + 5 * DAY_MS));
      // Not frozen: real now + the same offset.
      const flowing = await VirtualClock.open({ filePath });
      expect(Math.abs(flowing.nowMs() - (Date.now() + 5 * DAY_MS))).toBeLessThan(1000);
      flowing.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('flowing: one real timer, capped at a minute and unref-ed, fires timers as real time reaches them', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const clock = await VirtualClock.open();
    const fired: number[] = [];
    void clock.sleepUntil(new Date(Date.now() + 2 * DAY_MS)).then(() => fired.push(2));
    void clock.sleepUntil(new Date(Date.now() + 30_000)).then(() => fired.push(0));
    // One real timer, never more than 60 s away (Node fires anything above 2^31-1 ms at once).
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fired).toEqual([0]);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(DAY_MS);
    expect(fired).toEqual([0]);
    // advance() moves virtual time and re-arms.
    await clock.advance(DAY_MS);
    await vi.advanceTimersByTimeAsync(0);
    expect(fired).toEqual([0, 2]);
    expect(vi.getTimerCount()).toBe(0);
    clock.close();
  });

  it('close() clears the real timer', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const clock = await VirtualClock.open();
    void clock.sleepUntil(new Date(Date.now() + 10_000));
    expect(vi.getTimerCount()).toBe(1);
    clock.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
