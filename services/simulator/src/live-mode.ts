// Paced live mode: the source systems as ingest sees them in production. Records go to their
// source topics (orders, shipments, complaints, customer-profiles) at a configured rate, each
// stamped with the wall clock as it leaves: simulated time is mapped onto real time, so the
// pipeline sees live traffic (and its future-skew check passes) whatever the simulated date.
import { emptyReport, type RunReport, type RunSettings } from './fast-mode.ts';
import type { SourceRecord } from './records.ts';
import type { Simulation } from './simulation.ts';

/** Where live mode publishes: Avro to the source topics in production, a list in tests. */
export interface SourcePublisher {
  /** Resolves once every record is acknowledged; records of one customer keep their order per topic. */
  publish(records: readonly SourceRecord[]): Promise<void>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * The record as if it happened `now`: every time inside it moves by the same amount, so a delivery
 * stays as late against its promise, and times that lie before the event stay before it.
 */
export function restamp(record: SourceRecord, now: number): SourceRecord {
  const shift = now - record.value.eventTime;
  const moved = (t: number | null) => (t === null ? null : t + shift);
  switch (record.kind) {
    case 'order':
      return { kind: 'order', value: { ...record.value, eventTime: now } };
    case 'complaint':
      return { kind: 'complaint', value: { ...record.value, eventTime: now } };
    case 'shipment':
      return {
        kind: 'shipment',
        value: {
          ...record.value,
          eventTime: now,
          promisedDeliveryTime: moved(record.value.promisedDeliveryTime),
          actualDeliveryTime: moved(record.value.actualDeliveryTime),
        },
      };
    case 'profile':
      // Sign-up stays before the profile that reports it, never in the future.
      return { kind: 'profile', value: { ...record.value, eventTime: now, signedUpAt: Math.min(now, record.value.signedUpAt + shift) } };
  }
}

function* records(simulation: Simulation, report: RunReport, fromDay: number): Generator<{ record: SourceRecord; day: number }> {
  for (const day of simulation.days()) {
    if (day.day >= fromDay) for (const r of day.records) yield { record: r.record, day: day.day };
    report.daysSimulated = day.day + 1;
  }
}

/**
 * Publishes at `rate` events/s: at any moment at most rate × elapsed records have left, sent in
 * batches of up to `batchSize` (at high rates one send per tick carries many records).
 */
export async function runLive(
  simulation: Simulation,
  publisher: SourcePublisher,
  clock: Clock,
  rate: number,
  settings: RunSettings,
): Promise<RunReport> {
  const report = emptyReport();
  const limit = settings.limit ?? Number.POSITIVE_INFINITY;
  const source = records(simulation, report, settings.fromDay ?? 0);
  const started = clock.now();
  let next = source.next();
  while (!next.done && report.total < limit && !settings.signal?.aborted) {
    const due = Math.floor(((clock.now() - started) * rate) / 1000) - report.total;
    if (due <= 0) {
      // Wake when the next record is due (and at least once in a while, to notice a stop).
      await clock.sleep(Math.min(1000, Math.max(1, Math.ceil(((report.total + 1) * 1000) / rate - (clock.now() - started)))));
      continue;
    }
    const now = clock.now();
    const batch: SourceRecord[] = [];
    let lastDay = 0;
    while (!next.done && batch.length < Math.min(due, settings.batchSize, limit - report.total)) {
      batch.push(restamp(next.value.record, now));
      lastDay = next.value.day;
      next = source.next();
    }
    await publisher.publish(batch);
    if (batch.length > 0) settings.onPublished?.(lastDay);
    for (const r of batch) report.written[r.kind]++;
    report.total += batch.length;
    report.firstEventTime ??= now;
    report.lastEventTime = now;
    settings.onProgress?.({ day: report.daysSimulated, days: simulation.options.days, events: report.total });
  }
  return report;
}
