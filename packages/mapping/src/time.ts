// Event times as exports write them. Most carry no offset ("2024-03-01 08:30", "2024/3/1"): they
// are wall-clock times of the business, so they are read in its time zone (default
// Asia/Shanghai), the same zone the segmenter cuts days in (DESIGN.md invariant 6). Epoch values
// must be milliseconds: a 10-digit number is almost certainly seconds, and reading it as
// milliseconds would silently place a year of history in January 1970.

export type TimeResult = { ok: true; ms: number } | { ok: false; problem: string };

const ISO_LIKE =
  /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
/** Epoch milliseconds from 1973-03-03 on; fewer digits are seconds or garbage. */
const EPOCH_MS = /^\d{12,15}$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** True when `zone` is an IANA time zone this runtime knows (e.g. Asia/Shanghai). */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Reads an event time: ISO-8601 (offset optional, date-only allowed) or epoch milliseconds. */
export function parseEventTime(value: unknown, zone: string): TimeResult {
  if (typeof value === 'number') return fromEpochMs(value, String(value));
  if (typeof value !== 'string') return { ok: false, problem: `expected a time, got ${describe(value)}` };
  const text = value.trim();
  if (/^\d+$/.test(text)) return fromEpochMs(Number(text), text);
  const m = ISO_LIKE.exec(text);
  if (!m)
    return {
      ok: false,
      problem: `"${text}" is not a time (use ISO-8601 such as 2024-03-01 08:30:00 or 2024-03-01T08:30:00+08:00, or epoch milliseconds)`,
    };
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', offset] = m;
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  const millis = Number(frac.padEnd(3, '0').slice(0, 3));
  const wall = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5], millis);
  const back = new Date(wall);
  // Date.UTC rolls 2024-02-30 over into March; a time that does not round-trip does not exist.
  if (
    back.getUTCFullYear() !== fields[0] ||
    back.getUTCMonth() !== fields[1] - 1 ||
    back.getUTCDate() !== fields[2] ||
    back.getUTCHours() !== fields[3] ||
    back.getUTCMinutes() !== fields[4] ||
    back.getUTCSeconds() !== fields[5]
  ) {
    return { ok: false, problem: `"${text}" is not a valid date and time` };
  }
  if (offset !== undefined) return { ok: true, ms: wall - offsetMs(offset) };
  return { ok: true, ms: wallClockToUtc(wall, zone) };
}

/** The UTC instant at which the clocks of `zone` show the wall time `wall` (given as if UTC). */
export function wallClockToUtc(wall: number, zone: string): number {
  // The zone's offset at the guess can differ from the offset at the answer near a daylight
  // saving change (China observed DST 1986–1991, which old exports can reach): a second pass
  // settles it. In a gap (a wall time that never happened) the later offset wins.
  const first = wall - zoneOffsetMs(wall, zone);
  const second = wall - zoneOffsetMs(first, zone);
  return second;
}

/** Offsets by zone and UTC hour, where the offset is the same at both ends of the hour. */
const hourOffsets = new Map<string, number>();
const HOUR_MS = 3_600_000;

/**
 * How far (ms) the clocks of `zone` are ahead of UTC at instant `utc`. Asking Intl is slow, and an
 * import asks once or twice per row: an hour whose two ends have the same offset has it
 * throughout (no zone changes its clocks twice within an hour), so it is asked once per hour.
 */
export function zoneOffsetMs(utc: number, zone: string): number {
  const hour = Math.floor(utc / HOUR_MS);
  const key = `${zone}|${hour}`;
  const known = hourOffsets.get(key);
  if (known !== undefined) return known;
  const start = exactZoneOffsetMs(hour * HOUR_MS, zone);
  if (start !== exactZoneOffsetMs(hour * HOUR_MS + HOUR_MS - 1000, zone)) return exactZoneOffsetMs(utc, zone);
  // Bounded: a long history touches many hours, and this is a cache, not a table.
  if (hourOffsets.size >= 200_000) hourOffsets.clear();
  hourOffsets.set(key, start);
  return start;
}

function exactZoneOffsetMs(utc: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(utc))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second);
  return asUtc - Math.floor(utc / 1000) * 1000;
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

function fromEpochMs(n: number, text: string): TimeResult {
  if (!Number.isInteger(n) || n <= 0) return { ok: false, problem: `${text} is not epoch milliseconds` };
  if (!EPOCH_MS.test(String(n)))
    return { ok: false, problem: `${text} looks like epoch seconds or a date without separators; give epoch milliseconds or ISO-8601` };
  return { ok: true, ms: n };
}

function offsetMs(offset: string): number {
  if (offset === 'Z' || offset === 'z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
}
