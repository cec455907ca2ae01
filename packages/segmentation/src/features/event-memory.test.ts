import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EVENT_MEMORY,
  emptyEventMemory,
  expireEventMemory,
  isRemembered,
  rememberEvent,
  type EventMemory,
} from './event-memory.ts';

const DAY = 86_400_000;
const T = Date.UTC(2025, 5, 2);

/** Remembers `count` events one minute apart, the watermark following them. */
function remembered(count: number, from = 0): EventMemory {
  let memory = emptyEventMemory();
  for (let i = from; i < from + count; i += 1) memory = rememberEvent(memory, `E-${i}`, T + i * 60_000, T + i * 60_000);
  return memory;
}

describe('event memory', () => {
  it('recognises an id it has seen and not one it has not', () => {
    const memory = remembered(3);
    expect(isRemembered(memory, 'E-1')).toBe(true);
    expect(isRemembered(memory, 'E-3')).toBe(false);
  });

  it('keeps at most `capacity` ids, forgetting the oldest', () => {
    const memory = remembered(100);
    expect(memory).toHaveLength(DEFAULT_EVENT_MEMORY.capacity);
    expect(isRemembered(memory, `E-${100 - DEFAULT_EVENT_MEMORY.capacity}`)).toBe(true);
    expect(isRemembered(memory, `E-${99 - DEFAULT_EVENT_MEMORY.capacity}`)).toBe(false);
  });

  it('forgets ids by the watermark of event time, not by the wall clock', () => {
    const memory = remembered(3);
    // Ids are kept to the minute of their event time, seven days behind the watermark.
    expect(expireEventMemory(memory, T + 7 * DAY + 59_999)).toHaveLength(3);
    expect(expireEventMemory(memory, T + 7 * DAY + 60_000)).toHaveLength(2);
    expect(expireEventMemory(memory, T + 7 * DAY + 120_000)).toHaveLength(1);
    expect(expireEventMemory(memory, T + 30 * DAY)).toEqual([]);
  });

  it('does not remember an event already older than the horizon', () => {
    expect(rememberEvent(emptyEventMemory(), 'E-old', T - 8 * DAY, T)).toEqual([]);
  });

  it('is deterministic: the same inputs give the same memory', () => {
    expect(remembered(40, 5)).toEqual(remembered(40, 5));
  });

  it('stays bounded however long the history', () => {
    let memory = emptyEventMemory();
    for (let i = 0; i < 5000; i += 1) memory = rememberEvent(memory, `E-${i}`, T + i * DAY, T + i * DAY);
    expect(memory.length).toBeLessThanOrEqual(DEFAULT_EVENT_MEMORY.horizonDays + 1);
  });
});
