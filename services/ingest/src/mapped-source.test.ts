import { describe, expect, it } from 'vitest';
import { bodyOf, parseRates, sourceContracts, topicNames, type CustomerEvent } from '@segmentation/contracts';
import type { ConsumedMessage } from '@segmentation/kafka';
import { memoryCarryStore } from './carry-store.ts';
import { createMappedSource, liveEventId, REJECT_REASON_HEADER, type MappedOutcome } from './mapped-source.ts';
import type { KindMapping } from './sources-file.ts';

const contract = sourceContracts(topicNames('')).find((c) => c.kind === 'shipment')!;
const ctx = { currencies: parseRates('CNY', 'USD=7.1'), now: Date.UTC(2026, 0, 1), maxFutureSkewMs: 60_000 };
/** A TMS that writes its own column names and its own labels. */
const tms: KindMapping = {
  columns: { customerId: ['cust'], shipmentId: ['waybill'], status: ['state'], transportMode: ['how'], eventTime: ['at'] },
  values: { status: { 签收: 'DELIVERED' } },
};

let offset = 0;
const aMessage = (value: unknown, partition = 0): ConsumedMessage => ({
  topic: 'tms.waybills',
  partition,
  offset: String(offset++),
  key: Buffer.from('W-1'),
  value: typeof value === 'string' ? Buffer.from(value) : Buffer.from(JSON.stringify(value)),
  headers: {},
  timestamp: 0,
});
const event = (o: MappedOutcome | undefined): CustomerEvent => {
  if (!o || !('event' in o)) throw new Error(`not an event: ${JSON.stringify(o)}`);
  return o.event;
};

describe('a JSON source', () => {
  it('maps renamed columns and its own labels onto the contract, with the source position and an id from it', async () => {
    const source = createMappedSource(
      { format: 'json', kind: 'shipment', mapping: tms, timeZone: 'Asia/Shanghai' },
      contract,
      memoryCarryStore(),
    );
    const message = aMessage({ cust: 'C-1', waybill: 'W-1', state: 'in transit', how: 'ocean', at: '2025-12-01 08:00' });
    const [outcome] = await source.mapBatch([message], ctx);
    const position = { topic: 'tms.waybills', partition: 0, offset: Number(message.offset) };
    expect(event(outcome)).toMatchObject({
      customerId: 'C-1',
      eventId: liveEventId(position),
      eventTime: Date.UTC(2025, 11, 1, 0, 0),
      source: position,
    });
    expect(bodyOf(event(outcome))).toMatchObject({ shipment: { shipmentId: 'W-1', status: 'IN_TRANSIT', transportMode: 'SEA' } });
  });

  it("takes what a status row leaves out from its shipment's earlier row, in the batch or in the store", async () => {
    const store = memoryCarryStore();
    const source = createMappedSource({ format: 'json', kind: 'shipment', mapping: tms, timeZone: 'Asia/Shanghai' }, contract, store);
    const first = await source.mapBatch(
      [
        aMessage({ cust: 'C-1', waybill: 'W-1', state: 'picked up', how: 'air', at: '2025-12-01T08:00:00Z' }),
        aMessage({ cust: 'C-1', waybill: 'W-1', state: 'in transit', at: '2025-12-02T08:00:00Z' }),
      ],
      ctx,
    );
    expect(bodyOf(event(first[1]))).toMatchObject({ shipment: { status: 'IN_TRANSIT', transportMode: 'AIR' } });
    // What ingest writes after the forward is acknowledged: the latest row's state.
    expect(first[1]).toMatchObject({
      carry: { entity: { customerId: 'C-1', kind: 'shipments', id: 'W-1' }, entry: { fields: { transportMode: 'AIR' } } },
    });
    const carry = first[1] && 'carry' in first[1] ? first[1].carry : undefined;
    await store.save(carry ? [carry] : []);
    const [later] = await source.mapBatch(
      [aMessage({ cust: 'C-1', waybill: 'W-1', state: '签收', at: '2025-12-03T08:00:00Z', delivered_at: '2025-12-03T08:00:00Z' })],
      ctx,
    );
    expect(bodyOf(event(later))).toMatchObject({ shipment: { status: 'DELIVERED', transportMode: 'AIR' } });
  });

  it('dead-letters a row without an earlier one, an unknown label and a malformed message, with the import reasons', async () => {
    const source = createMappedSource(
      { format: 'json', kind: 'shipment', mapping: tms, timeZone: 'Asia/Shanghai' },
      contract,
      memoryCarryStore(),
    );
    const [noEarlier, unknownLabel, malformed, notAnObject] = await source.mapBatch(
      [
        aMessage({ cust: 'C-2', waybill: 'W-9', state: 'in transit', at: '2025-12-02T08:00:00Z' }),
        aMessage({ cust: 'C-2', waybill: 'W-8', state: 'teleported', how: 'road', at: '2025-12-02T08:00:00Z' }),
        aMessage('{"cust": "C-2", "waybill": '),
        aMessage('[1, 2]'),
      ],
      ctx,
    );
    expect(noEarlier).toMatchObject({
      cause: { reason: 'invalid_value', step: 'map', headers: { [REJECT_REASON_HEADER]: 'no_earlier_row' } },
    });
    expect((noEarlier as { cause: { message: string } }).cause.message).toMatch(
      /transportMode: not in the row, and no earlier row of shipment W-9/,
    );
    expect(unknownLabel).toMatchObject({ cause: { reason: 'invalid_value', step: 'map' } });
    expect((unknownLabel as { cause: { message: string } }).cause.message).toMatch(/status: "teleported" is not one of PICKED_UP/);
    expect(malformed).toMatchObject({ cause: { reason: 'undecodable', step: 'decode' } });
    expect(notAnObject).toMatchObject({ cause: { reason: 'undecodable', message: 'the value is JSON but not an object of columns' } });
  });

  it('keeps an id column when the producer writes one, and gives each message without one its own id', async () => {
    const source = createMappedSource(
      { format: 'json', kind: 'shipment', mapping: tms, timeZone: 'Asia/Shanghai' },
      contract,
      memoryCarryStore(),
    );
    const row = { cust: 'C-3', waybill: 'W-3', state: 'in transit', how: 'road', at: '2025-12-02T08:00:00Z' };
    const [own, a, b] = await source.mapBatch([aMessage({ ...row, event_id: 'E-42' }), aMessage(row), aMessage(row)], ctx);
    expect(event(own).eventId).toBe('E-42');
    expect(event(a).eventId).not.toBe(event(b).eventId);
  });
});

describe('the carry-forward store in memory', () => {
  it('forgets an erased customer and keeps the others', async () => {
    const store = memoryCarryStore();
    const entry = { eventTime: 1, fields: { transportMode: 'SEA' } };
    await store.save([
      { entity: { customerId: 'C-1', kind: 'shipments', id: 'W-1' }, entry },
      { entity: { customerId: 'C-2', kind: 'shipments', id: 'W-2' }, entry },
    ]);
    await store.forget(['C-1']);
    expect([...store.entries.keys()]).toEqual([JSON.stringify(['shipments', 'C-2', 'W-2'])]);
  });
});

describe('a Debezium source', () => {
  const orders = sourceContracts(topicNames('')).find((c) => c.kind === 'order')!;
  /** The order system's table: its status column says what the event is; it keeps no countries or service level. */
  const oms: KindMapping = {
    columns: { kind: ['status'], eventTime: ['updated_at'] },
    defaults: { serviceLevel: 'STANDARD', originCountry: 'CN', destinationCountry: 'DE' },
    values: { kind: { paid: 'PLACED' } },
  };
  let lsn = 1000;
  const aChange = (op: string, before: Record<string, unknown> | null, after: Record<string, unknown> | null, position?: number) => {
    const at = position ?? (lsn += 10);
    return {
      ...aMessage({ op, before, after, source: { lsn: at, sequence: JSON.stringify(['900', String(at)]), ts_ms: Date.UTC(2025, 11, 5) } }),
      topic: 'cdc-postgres.public.orders',
    };
  };
  const placed = {
    order_id: 'O-1',
    customer_id: 'C-9',
    status: 'placed',
    amount: '1250.50',
    currency: 'CNY',
    updated_at: '2025-12-01T01:00:00.123456Z',
  };
  const source = (store = memoryCarryStore(), onDelete?: Record<string, string>) =>
    createMappedSource({ format: 'debezium', kind: 'order', mapping: oms, onDelete, timeZone: 'Asia/Shanghai' }, orders, store);
  const kindOf = (o: MappedOutcome | undefined) => (o && 'event' in o ? (bodyOf(o.event) as { order: { kind: string } }).order.kind : o);

  it('makes an order placed of an insert and returned of a status update, ignoring updates that leave the status as it was', async () => {
    const outcomes = await source().mapBatch(
      [
        aChange('c', null, placed),
        aChange('u', placed, { ...placed, status: 'paid' }),
        aChange('u', placed, { ...placed, amount: '1300.00' }),
        aChange('u', placed, { ...placed, status: 'returned' }),
        aChange('d', placed, null),
      ],
      ctx,
    );
    expect(outcomes.map(kindOf)).toEqual(['PLACED', { ignored: 'unchanged' }, { ignored: 'unchanged' }, 'RETURNED', { ignored: 'delete' }]);
    expect(event(outcomes[0])).toMatchObject({ customerId: 'C-9', eventTime: Date.UTC(2025, 11, 1, 1, 0, 0, 123) });
    expect(bodyOf(event(outcomes[0]))).toMatchObject({ order: { amount: 1250.5, currency: 'CNY', serviceLevel: 'STANDARD' } });
  });

  it('reads a delete when the sources file says what it means, and takes the commit time when the row has no time', async () => {
    const { updated_at: _, ...untimed } = placed;
    const [cancelled] = await source(memoryCarryStore(), { status: 'cancelled' }).mapBatch([aChange('d', untimed, null)], ctx);
    expect(kindOf(cancelled)).toBe('CANCELLED');
    expect(event(cancelled).eventTime).toBe(Date.UTC(2025, 11, 5));
  });

  it('recognises a change Debezium sends again after a restart by its place in the log, and names the event by it', async () => {
    const store = memoryCarryStore();
    const first = aChange('c', null, placed);
    const [forwarded] = await source(store).mapBatch([first], ctx);
    const carry = forwarded && 'carry' in forwarded ? forwarded.carry : undefined;
    await store.save(carry ? [carry] : []); // what ingest does once the forward is acknowledged
    // The same change as a new message (another offset), and a later change of the same order.
    const again = { ...first, offset: String(Number(first.offset) + 100) };
    const [repeated, later] = await source(store).mapBatch([again, aChange('u', placed, { ...placed, status: 'cancelled' })], ctx);
    expect(repeated).toEqual({ ignored: 'already_forwarded' });
    expect(kindOf(later)).toBe('CANCELLED');
    expect(event(later).eventId).not.toBe(event(forwarded).eventId);
    // Without the store, the same change still gets the same id: the segmenter's id memory is the last guard.
    const [unrecognised] = await source().mapBatch([again], ctx);
    expect(event(unrecognised).eventId).toBe(event(forwarded).eventId);
  });

  it('dead-letters a status no mapping knows, and a value that is not a change event', async () => {
    const [unknown, broken] = await source().mapBatch(
      [aChange('u', placed, { ...placed, status: 'lost_in_space' }), aMessage('{"op"')],
      ctx,
    );
    expect(unknown).toMatchObject({ cause: { reason: 'invalid_value', step: 'map' } });
    expect(broken).toMatchObject({ cause: { reason: 'undecodable', step: 'decode' } });
  });
});
