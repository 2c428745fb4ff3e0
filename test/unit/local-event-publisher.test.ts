import { describe, expect, it } from 'vitest';
import {
  KICK_DEBOUNCE_MS,
  MAX_COALESCE_MS,
  runMayStart,
  SUSTAINED_AFTER_MS,
  SUSTAINED_QUIET_MS,
} from '../../local/event-publisher.ts';

describe('the local event publisher under load', () => {
  it('publishes a lone commit once the short debounce has passed', () => {
    expect(runMayStart(KICK_DEBOUNCE_MS, KICK_DEBOUNCE_MS)).toBe(true);
    expect(runMayStart(KICK_DEBOUNCE_MS, KICK_DEBOUNCE_MS - 1)).toBe(false);
  });

  it('waits out a short burst of commits with the short debounce only', () => {
    expect(runMayStart(SUSTAINED_AFTER_MS - 1, KICK_DEBOUNCE_MS)).toBe(true);
  });

  it('holds off while commits keep coming (a bulk import), until they pause for the longer gap', () => {
    expect(runMayStart(SUSTAINED_AFTER_MS, KICK_DEBOUNCE_MS)).toBe(false);
    expect(runMayStart(10_000, SUSTAINED_QUIET_MS - 1)).toBe(false);
    expect(runMayStart(10_000, SUSTAINED_QUIET_MS)).toBe(true);
  });

  it('publishes after the short debounce when someone awaits the events (a settle), even under load', () => {
    expect(runMayStart(10_000, KICK_DEBOUNCE_MS, true)).toBe(true);
    expect(runMayStart(10_000, KICK_DEBOUNCE_MS - 1, true)).toBe(false);
  });

  it('runs anyway once it has waited its bound, however steadily commits come', () => {
    expect(runMayStart(MAX_COALESCE_MS - 1, 0)).toBe(false);
    expect(runMayStart(MAX_COALESCE_MS, 0)).toBe(true);
  });
});
