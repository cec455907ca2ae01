import { weekOfDay, type DayBucket, type WeekBucket } from './buckets.ts';
import { DAY_FIELDS, WEEK_FIELDS, type ComplaintEntry, type CustomerFeatures, type DayField, type WeekField } from './customer-features.ts';
import type { CustomerRecord, Membership } from './feature-record.ts';

// A compact, hand-rolled binary encoding of a customer's whole record. Why not JSON or avsc: the
// state is mostly small integers (counts, day deltas), which LEB128 varints store in one byte, and
// buckets are sparse, which a presence mask per bucket exploits; JSON spends 10–20 bytes per field
// name and avsc has no per-record presence mask. The layout is documented in FEATURES.md.
// Times are stored as zigzag deltas from the record's watermark (`asOf`), so they take 4–5 bytes.

// Format 2 added the ordering weeks (orderWeeks) after the ordering days; format 1 records still
// decode, their weeks rebuilt from what they kept (the days and week buckets of the last year).
const FORMAT_VERSION = 2;
const HASH_BYTES = 7; // 53-bit hashes (event ids, complaint ids) in fixed width: their varints would take 8

// Encoding and decoding run once per customer per batch, so they are written for speed: one growing
// byte buffer, reused between records; bit operations for varints below 2^31; shared text codecs.
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

class Writer {
  private buf = new Uint8Array(4096);
  private pos = 0;
  reset(): this {
    this.pos = 0;
    return this;
  }
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }
  uint(n: number): void {
    this.room(8);
    if (n >= 0 && n < 0x80000000 && Number.isInteger(n)) {
      let v = n;
      while (v >= 0x80) {
        this.buf[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.pos++] = v;
      return;
    }
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cannot encode ${n} as an unsigned varint`);
    let v = n;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }
  int(n: number): void {
    this.uint(zigzag(n));
  }
  fixed(n: number, width: number): void {
    this.room(width);
    let v = n;
    for (let i = 0; i < width; i += 1) {
      this.buf[this.pos++] = v % 256;
      v = Math.floor(v / 256);
    }
  }
  string(s: string): void {
    // Short ASCII (ids, segment and rule names: nearly every string here) byte by byte: the
    // encoder's view of the buffer and its call cost more than the copy.
    if (s.length < 0x80 && this.ascii(s)) return;
    // Encode in place behind a one-byte length, the usual case (< 128 bytes); move it if longer.
    this.room(s.length * 3 + 5);
    const { written } = utf8Encoder.encodeInto(s, this.buf.subarray(this.pos + 1));
    if (written < 0x80) {
      this.buf[this.pos] = written;
      this.pos += 1 + written;
      return;
    }
    const bytes = this.buf.slice(this.pos + 1, this.pos + 1 + written);
    this.uint(written);
    this.room(written);
    this.buf.set(bytes, this.pos);
    this.pos += written;
  }
  /** Writes `s` behind its one-byte length if every character is ASCII; false (nothing kept) otherwise. */
  private ascii(s: string): boolean {
    this.room(s.length + 1);
    let p = this.pos + 1;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      this.buf[p++] = c;
    }
    this.buf[this.pos] = s.length;
    this.pos = p;
    return true;
  }
  optString(s: string | null): void {
    if (s === null) this.uint(0);
    else {
      this.uint(1);
      this.string(s);
    }
  }
  raw(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }
  /** A copy of the bytes written: the buffer itself is reused for the next record. */
  done(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

const writer = new Writer();

class Reader {
  private pos = 0;
  private readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  byte(): number {
    if (this.pos >= this.bytes.length) throw new RangeError('truncated customer record');
    return this.bytes[this.pos++]!;
  }
  uint(): number {
    const first = this.byte();
    if (first < 0x80) return first; // most values: counts, day deltas, masks
    let n = first & 0x7f;
    let scale = 0x80;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new RangeError('varint too long in customer record');
    }
  }
  int(): number {
    return unzigzag(this.uint());
  }
  fixed(width: number): number {
    let n = 0;
    for (let i = 0, scale = 1; i < width; i += 1, scale *= 256) n += this.byte() * scale;
    return n;
  }
  string(): string {
    const length = this.uint();
    if (this.pos + length > this.bytes.length) throw new RangeError('truncated customer record');
    const s = utf8Decoder.decode(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    return s;
  }
  optString(): string | null {
    return this.uint() === 0 ? null : this.string();
  }
  end(): void {
    if (this.pos !== this.bytes.length) throw new RangeError('trailing bytes after customer record');
  }
}

const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
const writeTime = (w: Writer, t: number, base: number): void => w.uint(zigzag(t - base));
// Optional times: 0 is null, otherwise the zigzag delta from the base plus one.
const writeOptTime = (w: Writer, t: number | null, base: number): void => w.uint(t === null ? 0 : zigzag(t - base) + 1);
const readOptTime = (r: Reader, base: number): number | null => {
  const z = r.uint();
  return z === 0 ? null : base + unzigzag(z - 1);
};

// Presence masks have one bit per field (at most 18): plain bit operations suffice.
function writeBuckets<K extends string>(
  w: Writer,
  keys: readonly number[],
  counts: ReadonlyArray<Record<K, number>>,
  fields: readonly K[],
): void {
  w.uint(keys.length);
  for (let i = 0; i < keys.length; i += 1) {
    if (i === 0) w.int(keys[0]!);
    else w.uint(keys[i]! - keys[i - 1]!);
    const c = counts[i]!;
    let mask = 0;
    for (let bit = 0; bit < fields.length; bit += 1) if (c[fields[bit]!] !== 0) mask |= 1 << bit;
    w.uint(mask);
    for (let bit = 0; bit < fields.length; bit += 1) if (mask & (1 << bit)) w.uint(c[fields[bit]!]);
  }
}

function readBuckets<K extends string, B>(r: Reader, fields: readonly K[], bucket: (key: number, counts: Record<K, number>) => B): B[] {
  const n = r.uint();
  const out: B[] = [];
  let key = 0;
  for (let i = 0; i < n; i += 1) {
    key = i === 0 ? r.int() : key + r.uint();
    const mask = r.uint();
    const counts = {} as Record<K, number>;
    for (let bit = 0; bit < fields.length; bit += 1) counts[fields[bit]!] = mask & (1 << bit) ? r.uint() : 0;
    out.push(bucket(key, counts));
  }
  return out;
}

/** readBuckets for day buckets, the bulk of a record: one object literal per bucket, in DAY_FIELDS
 *  order (checked by a test), is several times faster to build than one filled key by key. */
function readDayBuckets(r: Reader): Array<DayBucket<DayField>> {
  const n = r.uint();
  const out: Array<DayBucket<DayField>> = [];
  let day = 0;
  for (let i = 0; i < n; i += 1) {
    day = i === 0 ? r.int() : day + r.uint();
    const m = r.uint();
    const v = (bit: number): number => (m & (1 << bit) ? r.uint() : 0);
    out.push({
      day,
      counts: {
        ordersPlaced: v(0),
        orderValueCents: v(1),
        delivered: v(2),
        express: v(3),
        economy: v(4),
        valueAdded: v(5),
        deliveredLate: v(6),
        onTimeUnknown: v(7),
        cancelled: v(8),
        returned: v(9),
        delayed: v(10),
        damaged: v(11),
        lost: v(12),
        complaintsOpened: v(13),
        // Added later at the end of the mask: records written before them decode with zeros.
        satisfactionAnswers: v(14),
        satisfactionShortfall: v(15),
        npsAnswers: v(16),
        npsDetractors: v(17),
      },
    });
  }
  return out;
}

/** Ascending integers as a first value and deltas; or, when denser, a bitmap of their span. */
function writeAscending(w: Writer, values: readonly number[]): void {
  w.uint(values.length);
  if (values.length === 0) return;
  const first = values[0] as number;
  const span = (values[values.length - 1] as number) - first + 1;
  w.int(first);
  if (Math.ceil(span / 8) < values.length - 1) {
    w.raw(1);
    w.uint(span);
    const bitmap = new Array<number>(Math.ceil(span / 8)).fill(0);
    for (const v of values)
      bitmap[Math.floor((v - first) / 8)] = (bitmap[Math.floor((v - first) / 8)] as number) | (1 << ((v - first) % 8));
    for (const b of bitmap) w.raw(b);
  } else {
    w.raw(0);
    for (let i = 1; i < values.length; i += 1) w.uint((values[i] as number) - (values[i - 1] as number));
  }
}

function readAscending(r: Reader): number[] {
  const n = r.uint();
  if (n === 0) return [];
  const first = r.int();
  const out = [first];
  if (r.byte() === 1) {
    const span = r.uint();
    for (let i = 0; i < Math.ceil(span / 8); i += 1) {
      const b = r.byte();
      for (let bit = 0; bit < 8; bit += 1) if (b & (1 << bit) && i * 8 + bit > 0) out.push(first + i * 8 + bit);
    }
  } else {
    for (let i = 1; i < n; i += 1) out.push((out[i - 1] as number) + r.uint());
  }
  if (out.length !== n) throw new RangeError('corrupt ascending list in customer record');
  return out;
}

export function encodeRecord(record: CustomerRecord): Uint8Array {
  const w = writer.reset();
  const f = record.features;
  w.raw(FORMAT_VERSION);
  w.uint(f.asOf === null ? 0 : 1);
  const base = f.asOf ?? 0;
  const baseMinute = Math.floor(base / 60_000);
  if (f.asOf !== null) w.int(f.asOf);
  w.uint(record.lastLogOffset === null ? 0 : record.lastLogOffset + 1);
  const sources = Object.entries(record.appliedSources).sort(([a], [b]) => (a < b ? -1 : 1));
  w.uint(sources.length);
  for (const [key, offset] of sources) {
    w.string(key);
    w.uint(offset);
  }
  writeOptTime(w, record.nextEvaluationAt, base);
  w.uint(record.recentEvents.length);
  for (const e of record.recentEvents) {
    w.fixed(e.hash, HASH_BYTES);
    writeTime(w, e.atMinute, baseMinute);
  }

  writeBuckets(
    w,
    f.series.days.map((b) => b.day),
    f.series.days.map((b) => b.counts),
    DAY_FIELDS,
  );
  writeBuckets(
    w,
    f.series.weeks.map((b) => b.week),
    f.series.weeks.map((b) => b.counts),
    WEEK_FIELDS,
  );
  writeAscending(w, f.orderDays);
  writeAscending(w, f.orderWeeks);
  w.uint(f.lifetime.orders);
  w.uint(f.lifetime.valueCents);
  writeOptTime(w, f.lifetime.firstOrderAt, base);
  writeOptTime(w, f.lifetime.lastOrderAt, base);
  writeAscending(w, f.routes);
  writeAscending(w, f.destinations);
  w.uint(f.complaints.length);
  for (const c of f.complaints) {
    w.fixed(c.key, HASH_BYTES);
    writeOptTime(w, c.openedAt, baseMinute);
    writeOptTime(w, c.resolvedAt, baseMinute);
  }
  w.uint(f.resolutions.count);
  w.uint(f.resolutions.totalMinutes);
  w.uint(f.satisfaction.count);
  w.uint(f.satisfaction.total);
  w.uint(f.nps === null ? 0 : f.nps.score + 1);
  if (f.nps !== null) writeTime(w, f.nps.at, base);
  const p = f.profile;
  w.uint(p === null ? 0 : 1);
  if (p !== null) {
    writeTime(w, p.at, base);
    w.string(p.industry);
    w.string(p.customerType);
    w.string(p.country);
    w.optString(p.region);
    w.optString(p.accountManager);
    writeTime(w, p.signedUpAt, base);
  }
  // Sorted without a comparator: the same code-unit order, without a call per comparison.
  const dimensions = Object.keys(record.memberships).sort();
  w.uint(dimensions.length);
  for (const dimension of dimensions) {
    const m = record.memberships[dimension]!;
    w.string(dimension);
    w.string(m.segment);
    w.uint(m.sequence);
    w.string(m.rule);
    writeTime(w, m.since, base);
  }
  return w.done();
}

/** A format 1 record's ordering weeks: those of its ordering days and of its week buckets with orders. */
function weeksOf(orderDays: readonly number[], weeks: ReadonlyArray<WeekBucket<WeekField>>): number[] {
  const all = new Set([...orderDays.map(weekOfDay), ...weeks.filter((w) => w.counts.ordersPlaced > 0).map((w) => w.week)]);
  return [...all].sort((a, b) => a - b);
}

export function decodeRecord(bytes: Uint8Array): CustomerRecord {
  const r = new Reader(bytes);
  const version = r.byte();
  if (version !== FORMAT_VERSION && version !== 1) throw new RangeError(`unknown customer record format ${version}`);
  const asOf = r.uint() === 0 ? null : r.int();
  const base = asOf ?? 0;
  const baseMinute = Math.floor(base / 60_000);
  const logOffset = r.uint();
  const appliedSources: Record<string, number> = {};
  for (let i = 0, n = r.uint(); i < n; i += 1) {
    const key = r.string();
    appliedSources[key] = r.uint();
  }
  const nextEvaluationAt = readOptTime(r, base);
  const recentEvents: Array<{ hash: number; atMinute: number }> = [];
  for (let i = 0, n = r.uint(); i < n; i += 1) {
    const hash = r.fixed(HASH_BYTES);
    recentEvents.push({ hash, atMinute: baseMinute + r.int() });
  }

  const days: Array<DayBucket<DayField>> = readDayBuckets(r);
  const weeks: Array<WeekBucket<WeekField>> = readBuckets(r, WEEK_FIELDS, (week, counts) => ({ week, counts }));
  const orderDays = readAscending(r);
  const orderWeeks = version === 1 ? weeksOf(orderDays, weeks) : readAscending(r);
  const orders = r.uint();
  const valueCents = r.uint();
  const firstOrderAt = readOptTime(r, base);
  const lastOrderAt = readOptTime(r, base);
  const routes = readAscending(r);
  const destinations = readAscending(r);
  const complaints: ComplaintEntry[] = [];
  for (let i = 0, n = r.uint(); i < n; i += 1)
    complaints.push({ key: r.fixed(HASH_BYTES), openedAt: readOptTime(r, baseMinute), resolvedAt: readOptTime(r, baseMinute) });
  const resolutions = { count: r.uint(), totalMinutes: r.uint() };
  const satisfaction = { count: r.uint(), total: r.uint() };
  const npsTag = r.uint();
  const nps = npsTag === 0 ? null : { score: npsTag - 1, at: base + r.int() };
  let profile: CustomerFeatures['profile'] = null;
  if (r.uint() === 1) {
    const at = base + r.int();
    const industry = r.string();
    const customerType = r.string();
    const country = r.string();
    const region = r.optString();
    const accountManager = r.optString();
    profile = { at, industry, customerType, country, region, accountManager, signedUpAt: base + r.int() };
  }
  const memberships: Record<string, Membership> = {};
  for (let i = 0, n = r.uint(); i < n; i += 1) {
    const dimension = r.string();
    const segment = r.string();
    const sequence = r.uint();
    const rule = r.string();
    memberships[dimension] = { segment, sequence, rule, since: base + r.int() };
  }
  r.end();
  const features: CustomerFeatures = {
    asOf,
    series: { days, weeks },
    orderDays,
    orderWeeks,
    lifetime: { orders, valueCents, firstOrderAt, lastOrderAt },
    routes,
    destinations,
    complaints,
    resolutions,
    satisfaction,
    nps,
    profile,
  };
  return { lastLogOffset: logOffset === 0 ? null : logOffset - 1, appliedSources, recentEvents, features, memberships, nextEvaluationAt };
}
