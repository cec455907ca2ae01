// Fast mode: a year of history in minutes. Records are validated and normalised by the same code
// as ingest (`normalise` with no source position) and written straight into `customer-events` in
// event-time order (DESIGN.md invariant 1), so a replayed year is seen in the order it happened.
import type { CustomerEvent, SourceContract, ValidationContext } from '@segmentation/contracts';
import { recordKinds, type RecordKind } from './records.ts';
import type { Simulation } from './simulation.ts';

/** Where fast mode writes: `CustomerEventLogWriter` in production, a list in tests. */
export interface EventLogWriter {
  /** Resolves once every event is acknowledged. */
  write(events: CustomerEvent[]): Promise<void>;
}

export interface Progress {
  day: number;
  days: number;
  events: number;
}

export interface RunReport {
  written: Record<RecordKind, number>;
  total: number;
  /** Records the contracts refused: a generator bug, counted and never written. */
  invalid: number;
  invalidByReason: Record<string, number>;
  invalidSamples: string[];
  daysSimulated: number;
  firstEventTime: number | null;
  lastEventTime: number | null;
}

export interface RunSettings {
  /** Events per produce request. */
  batchSize: number;
  /** Stop after this many events. */
  limit?: number | undefined;
  /** Live mode: the first simulated day whose records are published. */
  fromDay?: number;
  /** Live mode: told the simulated day of the last record each publish acknowledged. */
  onPublished?: (day: number) => void;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: Progress) => void) | undefined;
}

export function emptyReport(): RunReport {
  return {
    written: Object.fromEntries(recordKinds.map((k) => [k, 0])) as Record<RecordKind, number>,
    total: 0,
    invalid: 0,
    invalidByReason: {},
    invalidSamples: [],
    daysSimulated: 0,
    firstEventTime: null,
    lastEventTime: null,
  };
}

const MAX_INVALID_SAMPLES = 5;

export async function runFast(
  simulation: Simulation,
  writer: EventLogWriter,
  contracts: readonly SourceContract[],
  validation: ValidationContext,
  settings: RunSettings,
): Promise<RunReport> {
  const byKind = new Map(contracts.map((c) => [c.kind, c]));
  const report = emptyReport();
  const limit = settings.limit ?? Number.POSITIVE_INFINITY;
  let batch: CustomerEvent[] = [];
  let inFlight: Promise<void> = Promise.resolve();

  // One write in flight at a time keeps the log in order; the next batch is generated and
  // validated while the broker acknowledges the previous one.
  const flush = async () => {
    await inFlight;
    if (batch.length === 0) return;
    inFlight = writer.write(batch);
    inFlight.catch(() => undefined); // observed by the next flush; this keeps Node from calling it unhandled meanwhile
    batch = [];
  };

  outer: for (const day of simulation.days()) {
    for (const { record } of day.records) {
      if (report.total + report.invalid >= limit || settings.signal?.aborted) break outer;
      const contract = byKind.get(record.kind);
      if (contract === undefined) throw new Error(`no contract for ${record.kind} records`);
      const result = contract.normalise(record.value, record.value.customerId, null, validation);
      if (!result.ok) {
        report.invalid++;
        const key = `${record.kind}/${result.reason}`;
        report.invalidByReason[key] = (report.invalidByReason[key] ?? 0) + 1;
        if (report.invalidSamples.length < MAX_INVALID_SAMPLES)
          report.invalidSamples.push(`${record.kind} ${record.value.eventId}: ${result.reason}: ${result.message}`);
        continue;
      }
      const eventTime = result.value.eventTime;
      if (report.lastEventTime !== null && eventTime < report.lastEventTime) {
        throw new Error(
          `simulator bug: event ${result.value.eventId} at ${eventTime} comes after one at ${report.lastEventTime}; the log must be in event-time order`,
        );
      }
      report.firstEventTime ??= eventTime;
      report.lastEventTime = eventTime;
      report.written[record.kind]++;
      report.total++;
      batch.push(result.value);
      if (batch.length >= settings.batchSize) await flush();
    }
    report.daysSimulated = day.day + 1;
    settings.onProgress?.({ day: day.day + 1, days: simulation.options.days, events: report.total });
  }
  await flush();
  await inFlight;
  return report;
}
