import { describe, expect, it } from 'vitest';
import { aProfile, aShipment, parseRates, sourceContracts, topicNames, type ValidationContext } from '@segmentation/contracts';
import { restamp, runLive, type Clock, type SourcePublisher } from './live-mode.ts';
import type { SourceRecord } from './records.ts';
import { Simulation } from './simulation.ts';

/** A clock that moves only when the code under test sleeps: pacing without waiting. */
class FakeClock implements Clock {
  time = Date.UTC(2026, 5, 1, 2, 0, 0);
  slept = 0;

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    this.time += ms;
    this.slept++;
    return Promise.resolve();
  }
}

class RecordingPublisher implements SourcePublisher {
  readonly sends: Array<{ at: number; records: readonly SourceRecord[] }> = [];
  private readonly clock: FakeClock;

  constructor(clock: FakeClock) {
    this.clock = clock;
  }

  publish(records: readonly SourceRecord[]): Promise<void> {
    this.sends.push({ at: this.clock.now(), records });
    return Promise.resolve();
  }
}

const simulation = () => new Simulation({ seed: 5, customers: 300, days: 60, start: '2026-06-01' });

describe('paced live mode', () => {
  it('publishes no faster than the configured rate, in batches, each record stamped with the wall clock', async () => {
    const clock = new FakeClock();
    const began = clock.now();
    const publisher = new RecordingPublisher(clock);
    const report = await runLive(simulation(), publisher, clock, 200, { batchSize: 50, limit: 1000 });

    expect(report.total).toBe(1000);
    let sent = 0;
    for (const { at, records } of publisher.sends) {
      sent += records.length;
      expect(records.length).toBeLessThanOrEqual(50);
      expect(sent).toBeLessThanOrEqual(Math.floor(((at - began) * 200) / 1000)); // never ahead of the rate
      expect(records.every((r) => r.value.eventTime === at)).toBe(true);
    }
    expect(sent).toBe(1000);
    // 1000 events at 200/s take five seconds of (fake) wall clock, give or take the last batch.
    expect(clock.now() - began).toBeGreaterThanOrEqual(5000);
    expect(clock.now() - began).toBeLessThan(5000 + 1000);
  });

  it('publishes records ingest accepts at the time they are sent', async () => {
    const clock = new FakeClock();
    const publisher = new RecordingPublisher(clock);
    await runLive(simulation(), publisher, clock, 10_000, { batchSize: 500, limit: 3000 });
    const contracts = new Map(sourceContracts(topicNames('')).map((c) => [c.kind, c]));
    const refused: string[] = [];
    for (const { at, records } of publisher.sends) {
      const ctx: ValidationContext = {
        currencies: parseRates('CNY', 'USD=7.1,EUR=7.7,HKD=0.91,JPY=0.047,GBP=9.0,SGD=5.3,KRW=0.0052'),
        now: at,
        maxFutureSkewMs: 0,
      };
      for (const r of records) {
        const result = contracts.get(r.kind)!.normalise(r.value, r.value.customerId, null, ctx);
        if (!result.ok) refused.push(`${r.kind} ${result.reason}: ${result.message}`);
      }
    }
    expect(publisher.sends.flatMap((s) => s.records)).toHaveLength(3000);
    expect(refused).toEqual([]);
  });

  it('stops when asked', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    const publisher: SourcePublisher = {
      publish: (records) => {
        if (records.length > 0) stop.abort();
        return Promise.resolve();
      },
    };
    const report = await runLive(simulation(), publisher, clock, 100, { batchSize: 10, signal: stop.signal });
    expect(report.total).toBeGreaterThan(0);
    expect(report.total).toBeLessThanOrEqual(10);
  });
  it('continues from a given day the customers whose history a fast run already wrote', async () => {
    const all = new RecordingPublisher(new FakeClock());
    await runLive(simulation(), all, new FakeClock(), 1_000_000, { batchSize: 5000 });
    const later = new RecordingPublisher(new FakeClock());
    await runLive(simulation(), later, new FakeClock(), 1_000_000, { batchSize: 5000, fromDay: 30 });
    const sent = (p: RecordingPublisher) =>
      p.sends.flatMap((s) => s.records.map((r) => `${r.kind}:${'eventId' in r.value ? r.value.eventId : ''}`));
    let early = 0;
    for (const day of simulation().days()) if (day.day < 30) early += day.records.length;
    expect(sent(later)).toEqual(sent(all).slice(early));
    expect(sent(later).length).toBeGreaterThan(0);
  });
});

describe('restamping a record to the wall clock', () => {
  it('moves every time inside it by the same amount', () => {
    const delivered = Date.UTC(2025, 2, 3);
    const shipment = aShipment({
      status: 'DELIVERED',
      eventTime: delivered,
      actualDeliveryTime: delivered,
      promisedDeliveryTime: delivered - 3_600_000,
    });
    const now = Date.UTC(2026, 0, 1);
    const moved = restamp({ kind: 'shipment', value: shipment }, now);
    expect(moved.value).toMatchObject({ eventTime: now, actualDeliveryTime: now, promisedDeliveryTime: now - 3_600_000 });
  });

  it('never moves a sign-up into the future', () => {
    const profile = aProfile({ eventTime: Date.UTC(2025, 0, 1), signedUpAt: Date.UTC(2025, 0, 1) });
    const now = Date.UTC(2026, 0, 1);
    expect(restamp({ kind: 'profile', value: profile }, now).value).toMatchObject({ eventTime: now, signedUpAt: now });
    const earlier = Date.UTC(2024, 0, 1);
    expect(restamp({ kind: 'profile', value: profile }, earlier).value).toMatchObject({ eventTime: earlier, signedUpAt: earlier });
  });
});
