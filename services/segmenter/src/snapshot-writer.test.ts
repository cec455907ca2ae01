import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { avroSchemas, type FeatureSnapshot } from '@segmentation/contracts';
import { AvroCodec } from '@segmentation/kafka';
import { calendarFor, compileRules } from '@segmentation/segmentation';
import { simulateHistory } from '@segmentation/simulator';
import { foldEntries, type LogEntry } from './fold.ts';
import { SnapshotWriter } from './snapshot-writer.ts';

const RULES_FILE = join(import.meta.dirname, '..', '..', '..', 'config', 'rules.yaml');
// Encoding needs no registry: the schema id is given.
const codec = new AvroCodec('http://127.0.0.1:1');
const SCHEMA_ID = 70_000;
const byCodec = (s: FeatureSnapshot): Buffer => codec.encode(SCHEMA_ID, avroSchemas.featureSnapshot, s);

const snapshot = (s: Partial<FeatureSnapshot>): FeatureSnapshot => ({
  snapshotId: 'C1/snapshot/1',
  customerId: 'C1',
  features: { orders_30d: 3 },
  attributes: { industry: 'MANUFACTURING' },
  segments: { value_tier: 'high' },
  ruleVersion: 'v1',
  eventTime: Date.UTC(2026, 2, 1),
  detectedAt: Date.UTC(2026, 2, 1, 0, 0, 1),
  ...s,
});

describe('the feature snapshot writer', () => {
  it('writes every snapshot of a simulated history as the Avro codec does', async () => {
    const events = await simulateHistory({ seed: 3, customers: 150, days: 60, start: '2025-01-01' });
    const entries: LogEntry[] = events.map((event, i) => ({
      kind: 'event',
      event,
      message: { topic: 'customer-events', partition: 0, offset: String(i), key: null, value: null, headers: {}, timestamp: 0 },
    }));
    const settings = {
      rules: compileRules(readFileSync(RULES_FILE, 'utf8'), RULES_FILE),
      options: { calendar: calendarFor('Asia/Shanghai') },
      now: () => Date.UTC(2026, 0, 1),
    };
    const folded = foldEntries(settings, entries, new Map(), null);
    const snapshots = folded.decided.flatMap((o) => (o.kind === 'snapshot' ? [o.value] : []));
    expect(snapshots.length).toBeGreaterThan(500);
    const writer = new SnapshotWriter();
    for (const s of snapshots) expect(writer.write(SCHEMA_ID, s).equals(byCodec(s)), s.snapshotId).toBe(true);
  });

  it('writes empty maps, any text, any double and long times as the codec does', () => {
    const cases = [
      snapshot({ features: {}, attributes: {}, segments: {} }),
      snapshot({ attributes: { industry: '制造业', country: 'CN', account_manager: '王小明 (华东) 🚢' }, segments: { 地区: '华东' } }),
      snapshot({ snapshotId: `C1/${'x'.repeat(300)}`, customerId: 'é'.repeat(100) }),
      snapshot({ features: { a: -0, b: Number.NaN, c: Infinity, d: -Infinity, e: 1e308, f: -5e-324, g: 0.1 + 0.2, h: -42 } }),
      snapshot({ eventTime: 0, detectedAt: 2 ** 53 - 2 }),
      snapshot({ eventTime: -1, detectedAt: -(2 ** 40) }),
      snapshot({ features: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`feature_${i}`, i / 7])) }),
    ];
    const writer = new SnapshotWriter();
    for (const s of cases) expect(writer.write(SCHEMA_ID, s).equals(byCodec(s))).toBe(true);
    // Again, the keys now taken from the writer's cache, and a snapshot larger than its first buffer.
    for (const s of cases.reverse()) expect(writer.write(SCHEMA_ID, s).equals(byCodec(s))).toBe(true);
  });

  it('refuses a value the schema cannot take, naming the field, as the codec does', () => {
    const writer = new SnapshotWriter();
    const bad = [
      snapshot({ features: { orders_30d: '3' as unknown as number } }),
      snapshot({ eventTime: 1.5 }),
      snapshot({ detectedAt: Number.MAX_SAFE_INTEGER }),
      snapshot({ segments: { value_tier: null as unknown as string } }),
    ];
    expect(() => writer.write(SCHEMA_ID, bad[0]!)).toThrow(/features\[orders_30d\]/);
    expect(() => writer.write(SCHEMA_ID, bad[1]!)).toThrow(/eventTime/);
    expect(() => writer.write(SCHEMA_ID, bad[2]!)).toThrow(/detectedAt/);
    expect(() => writer.write(SCHEMA_ID, bad[3]!)).toThrow(/segments\[value_tier\]/);
    for (const s of bad) expect(() => byCodec(s)).toThrow();
  });
});
