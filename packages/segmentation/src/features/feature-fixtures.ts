import {
  aComplaintEvent,
  anOrderEvent,
  aProfileEvent,
  aShipmentEvent,
  shanghai,
  type CustomerEvent,
  type SourcePosition,
} from '@segmentation/contracts';
import { applyToRecord, emptyRecord, type CustomerRecord } from './feature-record.ts';

// Test fixtures for the feature state: a seeded PRNG (so property-style tests are reproducible and
// their failures can be replayed) and a generator of a realistic, heavy customer history.

export const CUSTOMER = 'C-SH-001';
export const DAY = 86_400_000;
/** A Monday, 10:00 in Shanghai: a fixed origin for histories. */
export const ORIGIN = shanghai('2024-01-01 10:00');

/** mulberry32: a tiny deterministic PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** An event with its own source position, as ingest forwards it. */
const at = (event: CustomerEvent, source: SourcePosition): CustomerEvent => ({ ...event, source });

/**
 * A busy customer: `days` days of history from `start`, one to three orders a day on up to 40 lanes,
 * a shipment update per order, a complaint a week (most resolved two days later), a profile update a
 * quarter. Events come sorted by event time, each with the next offset of its source topic.
 */
export function heavyHistory(days: number, seed = 7, start = ORIGIN): CustomerEvent[] {
  const random = seededRandom(seed);
  const offsets: Record<string, number> = {};
  const from = (topic: string): SourcePosition => {
    offsets[topic] = (offsets[topic] ?? -1) + 1;
    return { topic, partition: 3, offset: offsets[topic] };
  };
  const events: CustomerEvent[] = [];
  let n = 0;
  const id = (): string => `E-${seed}-${(n += 1)}`;
  const levels = ['EXPRESS', 'STANDARD', 'ECONOMY'] as const;
  const statuses = ['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED', 'DELAYED', 'DAMAGED', 'LOST', 'IN_TRANSIT'] as const;
  for (let d = 0; d < days; d += 1) {
    const dayStart = start + d * DAY;
    if (d % 90 === 0)
      events.push(
        at(
          aProfileEvent({
            customerId: CUSTOMER,
            eventId: id(),
            eventTime: dayStart,
            accountManager: `AM-${d % 7}`,
            signedUpAt: start - 400 * DAY,
          }),
          from('profiles'),
        ),
      );
    const orders = 1 + Math.floor(random() * 3);
    for (let o = 0; o < orders; o += 1) {
      const t = dayStart + o * 3_600_000;
      const kind = random() < 0.05 ? 'CANCELLED' : random() < 0.05 ? 'RETURNED' : 'PLACED';
      events.push(
        at(
          anOrderEvent({
            customerId: CUSTOMER,
            eventId: id(),
            eventTime: t,
            kind,
            amountBase: Math.round(200_000 + random() * 4_000_000) / 100,
            serviceLevel: levels[Math.floor(random() * 3)] ?? 'STANDARD',
            valueAddedServices: random() < 0.3 ? ['INSURANCE'] : [],
            destinationCountry: ['DE', 'US', 'NL', 'SG', 'JP'][Math.floor(random() * 5)] ?? 'DE',
            destinationRegion: `R${Math.floor(random() * 8)}`,
          }),
          from('orders'),
        ),
      );
      const status = statuses[Math.floor(random() * statuses.length)] ?? 'DELIVERED';
      events.push(
        at(
          aShipmentEvent({
            customerId: CUSTOMER,
            eventId: id(),
            eventTime: t + 1_800_000,
            status,
            onTime: status === 'DELIVERED' ? random() < 0.8 : null,
          }),
          from('shipments'),
        ),
      );
    }
    if (d % 7 === 3) {
      const complaintId = `K-${seed}-${d}`;
      events.push(
        at(aComplaintEvent({ customerId: CUSTOMER, eventId: id(), eventTime: dayStart + 5 * 3_600_000, complaintId }), from('complaints')),
      );
      if (random() < 0.8) {
        events.push(
          at(
            aComplaintEvent({
              customerId: CUSTOMER,
              eventId: id(),
              eventTime: dayStart + 2 * DAY,
              complaintId,
              action: 'RESOLVED',
              satisfactionScore: 1 + Math.floor(random() * 5),
              npsScore: Math.floor(random() * 11),
            }),
            from('complaints'),
          ),
        );
      }
    }
  }
  return events.sort((a, b) => a.eventTime - b.eventTime);
}

/** Applies events as the segmenter would: in the given log order, the watermark the running maximum. */
export function foldRecord(events: readonly CustomerEvent[], record: CustomerRecord = emptyRecord(), firstLogOffset = 0): CustomerRecord {
  let current = record;
  let watermark = record.features.asOf ?? Number.NEGATIVE_INFINITY;
  events.forEach((event, i) => {
    watermark = Math.max(watermark, event.eventTime);
    const outcome = applyToRecord(current, event, firstLogOffset + i, watermark);
    if (outcome.kind !== 'applied') throw new Error(`expected ${event.eventId} to apply, got ${outcome.kind}`);
    current = outcome.record;
  });
  return current;
}
