import { describe, expect, it } from 'vitest';
import { parseRates, sourceContracts, topicNames, type CustomerEvent, type ValidationContext } from '@segmentation/contracts';
import { runFast, type EventLogWriter } from './fast-mode.ts';
import { Simulation } from './simulation.ts';

const contracts = sourceContracts(topicNames(''));
const allCurrencies: ValidationContext = {
  currencies: parseRates('CNY', 'USD=7.1,EUR=7.7,HKD=0.91,JPY=0.047,GBP=9.0,SGD=5.3,KRW=0.0052'),
  now: Date.UTC(2100, 0, 1),
  maxFutureSkewMs: 0,
};
const simulation = () => new Simulation({ seed: 3, customers: 80, days: 60, start: '2025-03-01' });

/** Keeps what it is given, and fails the test if a write starts while another is unacknowledged. */
class RecordingWriter implements EventLogWriter {
  readonly batches: CustomerEvent[][] = [];
  overlapping = 0;
  private pending = false;

  async write(events: CustomerEvent[]): Promise<void> {
    if (this.pending) this.overlapping++;
    this.pending = true;
    this.batches.push(events);
    await new Promise((resolve) => setImmediate(resolve));
    this.pending = false;
  }

  get events(): CustomerEvent[] {
    return this.batches.flat();
  }
}

describe('fast mode', () => {
  it('writes every normalised event in non-decreasing event time, one batch at a time', async () => {
    const writer = new RecordingWriter();
    const report = await runFast(simulation(), writer, contracts, allCurrencies, { batchSize: 250 });
    const events = writer.events;
    expect(report.invalid).toBe(0);
    expect(events.length).toBe(report.total);
    expect(report.total).toBeGreaterThan(1000);
    expect(report.written.order + report.written.shipment + report.written.complaint + report.written.profile).toBe(report.total);
    expect(events.every((e, i) => i === 0 || e.eventTime >= events[i - 1]!.eventTime)).toBe(true);
    expect(events.every((e) => e.source === null)).toBe(true); // bulk history carries no source position
    expect(writer.batches.every((b) => b.length <= 250)).toBe(true);
    expect(writer.overlapping).toBe(0);
    expect(report.daysSimulated).toBe(60);
    expect([report.firstEventTime, report.lastEventTime]).toEqual([events[0]!.eventTime, events.at(-1)!.eventTime]);
  });

  it('counts records the contracts refuse and never writes them', async () => {
    const writer = new RecordingWriter();
    // Without exchange rates every order not billed in CNY is refused as unknown_currency.
    const cnyOnly: ValidationContext = { ...allCurrencies, currencies: parseRates('CNY', '') };
    const report = await runFast(simulation(), writer, contracts, cnyOnly, { batchSize: 1000 });
    const complete = await runFast(simulation(), new RecordingWriter(), contracts, allCurrencies, { batchSize: 1000 });
    expect(report.invalid).toBeGreaterThan(0);
    expect(report.invalidByReason).toEqual({ 'order/unknown_currency': report.invalid });
    expect(report.invalidSamples.length).toBeGreaterThan(0);
    expect(report.total + report.invalid).toBe(complete.total);
    expect(writer.events.length).toBe(report.total);
    expect(
      writer.events.filter(
        (e) => 'segmentation.log.OrderRecorded' in e.body && e.body['segmentation.log.OrderRecorded'].currency !== 'CNY',
      ),
    ).toEqual([]);
  });

  it('stops after the limit', async () => {
    const writer = new RecordingWriter();
    const report = await runFast(simulation(), writer, contracts, allCurrencies, { batchSize: 100, limit: 321 });
    expect(report.total).toBe(321);
    expect(writer.events.length).toBe(321);
  });

  it('passes a failed write on to the caller', async () => {
    const failing: EventLogWriter = { write: () => Promise.reject(new Error('broker gone')) };
    await expect(runFast(simulation(), failing, contracts, allCurrencies, { batchSize: 100 })).rejects.toThrow('broker gone');
  });
});
