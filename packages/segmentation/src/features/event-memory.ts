import { hash53 } from './distinct-sketch.ts';

// A bounded memory of a customer's recent event ids (DESIGN.md invariant 5). Re-forwards from the same
// source position are caught by the source-offset watermark; this catches the other kind of duplicate:
// the same event id published again at a new source offset (a source producer's retry). Those arrive
// close behind the original, so a short memory suffices, and it stays short for every customer:
// at most `capacity` ids, none older than `horizonDays` of event time behind the watermark (the log's
// clock, never a TTL), so a dormant customer's memory empties instead of costing bytes forever.

export interface EventMemoryOptions {
  /** Most ids remembered; 32 covers a burst of retries behind a busy customer's batch. */
  capacity: number;
  /** Days of event time, by the watermark, after which an id is forgotten. */
  horizonDays: number;
}

export const DEFAULT_EVENT_MEMORY: EventMemoryOptions = { capacity: 32, horizonDays: 7 };
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export interface RememberedEvent {
  /** hash53 of the event id: fixed size, and a false match has odds of about capacity / 2^53. */
  hash: number;
  /** The event's time in whole minutes since the epoch (two bytes encoded, against five for ms), for expiry by the watermark. */
  atMinute: number;
}

/** Oldest first, in the order the log delivered them. */
export type EventMemory = readonly RememberedEvent[];

export const emptyEventMemory = (): EventMemory => [];

/** Forgets ids whose event time is more than the horizon behind the watermark. */
export function expireEventMemory(memory: EventMemory, watermark: number, options: EventMemoryOptions = DEFAULT_EVENT_MEMORY): EventMemory {
  const oldest = Math.floor((watermark - options.horizonDays * DAY_MS) / MINUTE_MS);
  return memory.some((e) => e.atMinute < oldest) ? memory.filter((e) => e.atMinute >= oldest) : memory;
}

/** True when this event id is remembered: the same event at a new log position is a duplicate. */
export function isRemembered(memory: EventMemory, eventId: string): boolean {
  const hash = hash53(eventId);
  return memory.some((e) => e.hash === hash);
}

/**
 * Remembers an applied event. Pure and deterministic: the result depends only on the memory, the
 * event and the watermark. An event already older than the horizon is not remembered (it could not
 * be kept anyway), so replaying old history never fills the memory.
 */
export function rememberEvent(
  memory: EventMemory,
  eventId: string,
  eventTime: number,
  watermark: number,
  options: EventMemoryOptions = DEFAULT_EVENT_MEMORY,
): EventMemory {
  const current = expireEventMemory(memory, watermark, options);
  const atMinute = Math.floor(eventTime / MINUTE_MS);
  if (atMinute < Math.floor((watermark - options.horizonDays * DAY_MS) / MINUTE_MS)) return current;
  const next = [...current, { hash: hash53(eventId), atMinute }];
  return next.length > options.capacity ? next.slice(next.length - options.capacity) : next;
}
