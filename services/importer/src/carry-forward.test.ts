import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bodyOf, parseRates, type CustomerEvent } from '@segmentation/contracts';
import { entityKey, type MappingFile } from '@segmentation/mapping';
import { runImport, type EventLog, type ImportFile } from './importer.ts';
import { MemoryImportLedger } from './ledger.ts';
import { silentProgress } from './progress.ts';
import { PreflightRefusedError } from './preflight.ts';
import { formatSummary, memoryReport } from './report.ts';

const NOW = Date.UTC(2025, 0, 1);
const messy = join(import.meta.dirname, '../../../test/fixtures/import/messy');
const dir = mkdtempSync(join(tmpdir(), 'importer-carry-'));
let n = 0;
function jsonl(rows: Array<Record<string, unknown>>): string {
  const path = join(dir, `f${n++}.jsonl`);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

function fakeLog(): EventLog & { events: CustomerEvent[] } {
  const events: CustomerEvent[] = [];
  return {
    events,
    write: (batch) => {
      events.push(...batch);
      return Promise.resolve();
    },
  };
}

async function run(files: ImportFile[], ledger = new MemoryImportLedger(), mapping: MappingFile = {}, encoding = 'utf-8') {
  const log = fakeLog();
  const report = memoryReport();
  const summary = await runImport(
    {
      files,
      mapping,
      timeZone: 'Asia/Shanghai',
      encoding,
      batchSize: 100,
      currencies: parseRates('CNY', 'USD=7.1,EUR=7.7'),
      maxFutureSkewMs: 300_000,
      reportFile: null,
    },
    { log, ledger, report, now: () => NOW, progress: silentProgress },
  );
  return { summary, events: log.events, rejections: report.rejections, ledger };
}

const shipmentOf = (events: CustomerEvent[], id: string, status: string) =>
  events.map(bodyOf).find((b) => b.kind === 'shipment' && b.shipment.shipmentId === id && b.shipment.status === status);
const messyFile = (kind: ImportFile['kind'], name: string): ImportFile => ({ kind, format: 'jsonl', path: join(messy, name) });

describe('carry-forward', () => {
  it('fills what a status row leaves out from the earlier row of the same shipment, complaint or order, and counts it per field', async () => {
    const { summary, events } = await run([
      messyFile('orders', 'orders.jsonl'),
      messyFile('shipments', 'shipments.jsonl'),
      messyFile('complaints', 'complaints.jsonl'),
    ]);

    expect(shipmentOf(events, 'MS-1', 'DELIVERED')).toMatchObject({
      shipment: { transportMode: 'SEA', port: 'CNNGB', orderId: 'MO-1', promisedDeliveryTime: Date.UTC(2024, 2, 14, 16), onTime: true },
    });
    expect(shipmentOf(events, 'MS-2', 'DAMAGED')).toMatchObject({ shipment: { transportMode: 'ROAD', orderId: 'MO-2' } });
    const complaints = events.map(bodyOf).filter((b) => b.kind === 'complaint');
    expect(
      complaints.map((b) => [
        b.complaint.action,
        b.complaint.category,
        b.complaint.severity,
        b.complaint.shipmentId,
        b.complaint.satisfactionScore,
      ]),
    ).toEqual([
      ['OPENED', 'DAMAGE', 'HIGH', 'MS-2', null],
      ['ESCALATED', 'DAMAGE', 'HIGH', 'MS-2', null],
      ['RESOLVED', 'DAMAGE', 'HIGH', 'MS-2', 2],
    ]);
    const returned = events.map(bodyOf).find((b) => b.kind === 'order' && b.order.kind === 'RETURNED');
    expect(returned).toMatchObject({
      order: { orderId: 'MO-1', originCountry: 'CN', destinationCountry: 'DE', amount: 12000, currency: 'CNY', serviceLevel: 'EXPRESS' },
    });

    const [orders, shipments, tickets] = summary.files;
    expect(orders).toMatchObject({
      carriedForward: { amount: 2, currency: 2, serviceLevel: 2, originCountry: 2, destinationCountry: 2 },
      events: { PLACED: 3, RETURNED: 1, CANCELLED: 1 },
      defaults: {},
    });
    expect(shipments).toMatchObject({
      carriedForward: { transportMode: 3, port: 2, orderId: 3, promisedDeliveryTime: 2 },
      events: { PICKED_UP: 2, IN_TRANSIT: 1, DELIVERED: 1, DAMAGED: 1 },
    });
    expect(tickets).toMatchObject({
      carriedForward: { category: 2, severity: 2, shipmentId: 2 },
      events: { OPENED: 1, ESCALATED: 1, RESOLVED: 1 },
    });
    expect(formatSummary(summary)).toContain('carried forward  orderId 3, port 2, promisedDeliveryTime 2, transportMode 3');
  });

  it('completes the returns of a GBK export with Chinese headers, and refuses the label it does not know', async () => {
    const { events, rejections, summary } = await run(
      [{ kind: 'orders', format: 'csv', path: join(messy, 'orders-gbk.csv') }],
      new MemoryImportLedger(),
      {},
      'gbk',
    );
    expect(
      events
        .map(bodyOf)
        .map((b) =>
          b.kind === 'order' ? [b.order.orderId, b.order.kind, b.order.amount, b.order.serviceLevel, b.order.destinationCountry] : [],
        ),
    ).toEqual([
      ['GO-1', 'PLACED', 1500, 'EXPRESS', 'DE'],
      ['GO-1', 'RETURNED', 1500, 'EXPRESS', 'DE'],
    ]);
    expect(rejections.map((r) => [r.line, r.reason, r.problems!.map((p) => p.unknownValue)])).toEqual([[4, 'invalid_value', ['换货']]]);
    expect(summary.files[0]).toMatchObject({
      events: { PLACED: 1, RETURNED: 1 },
      carriedForward: { amount: 1, currency: 1, serviceLevel: 1, originCountry: 1, destinationCountry: 1 },
    });
  });

  it('refuses an update row without an earlier row as no_earlier_row, naming every field it lacks', async () => {
    const { summary, rejections } = await run([messyFile('orders', 'orders.jsonl'), messyFile('shipments', 'shipments.jsonl')]);
    const lost = rejections.find((r) => r.kind === 'shipments')!;
    expect(lost).toMatchObject({ line: 6, reason: 'no_earlier_row' });
    expect(lost.message).toMatch(
      /^transportMode: not in the row, and no earlier row of shipment MS-7 gives it \(looked for columns transport_mode, /,
    );
    const returned = rejections.find((r) => r.kind === 'orders' && r.line === 6)!;
    expect(returned.problems!.map((p) => [p.field, p.reason])).toEqual([
      ['amount', 'no_earlier_row'],
      ['currency', 'no_earlier_row'],
      ['serviceLevel', 'no_earlier_row'],
      ['originCountry', 'no_earlier_row'],
      ['destinationCountry', 'no_earlier_row'],
    ]);
    expect(summary.rejectedByReason).toEqual({ no_earlier_row: 2, invalid_value: 1 });
    expect(summary.files[1]!.rejectedByReason).toEqual({ no_earlier_row: 1 });
  });

  it("takes the fields from an earlier import's rows, as the ledger recorded them", async () => {
    const ledger = new MemoryImportLedger();
    const pickup = {
      customer_id: 'C-1',
      waybill_no: 'S-1',
      status: 'picked up',
      mode: 'air',
      port: 'cnpvg',
      event_time: '2024-03-01 08:00',
    };
    await run([{ kind: 'shipments', format: 'jsonl', path: jsonl([pickup]) }], ledger);
    expect(ledger.entries[0]!.carry).toEqual({
      entity: '["shipments","C-1","S-1"]',
      eventTime: Date.UTC(2024, 2, 1),
      fields: { transportMode: 'AIR', port: 'CNPVG' },
    });

    const later = await run(
      [
        {
          kind: 'shipments',
          format: 'jsonl',
          path: jsonl([
            { customer_id: 'C-1', waybill_no: 'S-1', status: 'delayed', event_time: '2024-03-03 08:00' },
            { customer_id: 'C-2', waybill_no: 'S-1', status: 'delayed', event_time: '2024-03-03 08:00' },
          ]),
        },
      ],
      ledger,
    );
    expect(shipmentOf(later.events, 'S-1', 'DELAYED')).toMatchObject({ shipment: { transportMode: 'AIR', port: 'CNPVG' } });
    // Another customer's shipment of the same number is another shipment.
    expect(later.rejections.map((r) => [r.line, r.reason])).toEqual([[2, 'no_earlier_row']]);
    expect(later.summary.files[0]!.carriedForward).toEqual({ transportMode: 1, port: 1 });
  });

  it('refuses a real run whose feed has no column for a field and whose shipments no earlier import gives it, before writing anything', async () => {
    const feed: ImportFile = {
      kind: 'shipments',
      format: 'jsonl',
      path: jsonl([{ customer_id: 'C-1', waybill_no: 'S-1', status: 'delayed', event_time: '2024-03-03 08:00' }]),
    };
    const log = fakeLog();
    const settings = {
      files: [feed],
      mapping: {},
      timeZone: 'Asia/Shanghai',
      encoding: 'utf-8',
      batchSize: 100,
      currencies: parseRates('CNY', ''),
      maxFutureSkewMs: 300_000,
      reportFile: null,
    };
    const deps = { log, report: memoryReport(), now: () => NOW, progress: silentProgress };
    await expect(runImport(settings, { ...deps, ledger: new MemoryImportLedger() })).rejects.toThrow(PreflightRefusedError);
    await expect(runImport(settings, { ...deps, ledger: new MemoryImportLedger() })).rejects.toThrow(
      /has no column for: transportMode \(looked for .*\), and no earlier import of these shipments gives it/,
    );
    expect(log.events).toEqual([]);

    // A dry run cannot tell: it reports the rows instead.
    expect(await runImport(settings, { ...deps, log: null, ledger: new MemoryImportLedger() })).toMatchObject({
      rejectedByReason: { no_earlier_row: 1 },
    });
    const ledger = new MemoryImportLedger();
    await ledger.record([
      {
        eventId: 'E-0',
        kind: 'shipments',
        file: 'old.jsonl',
        line: 1,
        carry: { entity: entityKey('shipments', 'C-1', 'S-1'), eventTime: Date.UTC(2024, 1, 1), fields: { transportMode: 'RAIL' } },
      },
    ]);
    expect(await runImport(settings, { ...deps, ledger })).toMatchObject({ imported: 1 });
    expect(shipmentOf(log.events, 'S-1', 'DELAYED')).toMatchObject({ shipment: { transportMode: 'RAIL' } });
  });

  it('takes the latest earlier row in event time, whatever the order of the files and lines', async () => {
    const feed = jsonl([
      { customer_id: 'C-1', waybill_no: 'S-1', status: 'delivered', event_time: '2024-03-09 08:00', delivered_at: '2024-03-09 07:00' },
      { customer_id: 'C-1', waybill_no: 'S-1', status: 'in transit', mode: 'sea', event_time: '2024-03-03 08:00' },
    ]);
    const master = jsonl([{ customer_id: 'C-1', waybill_no: 'S-1', status: 'picked up', mode: 'road', event_time: '2024-03-01 08:00' }]);
    const { events, summary } = await run([
      { kind: 'shipments', format: 'jsonl', path: feed },
      { kind: 'shipments', format: 'jsonl', path: master },
    ]);
    expect(shipmentOf(events, 'S-1', 'DELIVERED')).toMatchObject({ shipment: { transportMode: 'SEA' } });
    // Per kind, the files added up; the text summary shows them when a kind has several files.
    expect(summary.kinds.shipments).toMatchObject({
      rows: 3,
      imported: 3,
      carriedForward: { transportMode: 1 },
      events: { PICKED_UP: 1, IN_TRANSIT: 1, DELIVERED: 1 },
    });
    expect(formatSummary(summary)).toContain('shipments  all shipments files: 3 rows, imported 3, already imported 0, rejected 0');
  });

  it('prefers an earlier row to a default, and never passes a default on as if it were read', async () => {
    const mapping: MappingFile = { shipments: { defaults: { transportMode: 'ROAD' } } };
    const { events, summary } = await run(
      [
        {
          kind: 'shipments',
          format: 'jsonl',
          path: jsonl([
            { customer_id: 'C-1', waybill_no: 'S-1', status: 'picked up', event_time: '2024-03-01 08:00' },
            { customer_id: 'C-1', waybill_no: 'S-1', status: 'in transit', event_time: '2024-03-02 08:00' },
            { customer_id: 'C-1', waybill_no: 'S-2', status: 'picked up', mode: 'sea', event_time: '2024-03-01 08:00' },
            { customer_id: 'C-1', waybill_no: 'S-2', status: 'in transit', event_time: '2024-03-02 08:00' },
          ]),
        },
      ],
      new MemoryImportLedger(),
      mapping,
    );
    expect(shipmentOf(events, 'S-2', 'IN_TRANSIT')).toMatchObject({ shipment: { transportMode: 'SEA' } });
    expect(shipmentOf(events, 'S-1', 'IN_TRANSIT')).toMatchObject({ shipment: { transportMode: 'ROAD' } });
    expect(summary.files[0]).toMatchObject({ defaults: { transportMode: 2 }, carriedForward: { transportMode: 1 } });
  });

  it("never carries what an event is: an order row without its kind is refused, not taken for the earlier row's kind", async () => {
    const { events, rejections } = await run([
      {
        kind: 'orders',
        format: 'jsonl',
        path: jsonl([
          {
            cust_no: 'C-1',
            order_no: 'O-1',
            type: 'placed',
            occurred_at: '2024-03-01',
            amount: 5,
            ccy: 'CNY',
            service_level: 'standard',
            origin_country: 'CN',
            destination_country: 'DE',
          },
          { cust_no: 'C-1', order_no: 'O-1', occurred_at: '2024-03-09' },
        ]),
      },
    ]);
    expect(events).toHaveLength(1);
    expect(rejections.map((r) => [r.line, r.reason, r.message])).toEqual([
      [2, 'invalid_value', expect.stringMatching(/^kind: missing \(looked for columns kind, /) as unknown],
    ]);
  });

  it("reports every problem of a row at once, the contract's and the conversion's", async () => {
    const { rejections } = await run([
      {
        kind: 'orders',
        format: 'jsonl',
        path: jsonl([
          {
            cust_no: 'C-1',
            order_no: 'O-1',
            type: 'swapped',
            occurred_at: 'last week',
            amount: -5,
            ccy: 'CNY',
            service_level: 'standard',
            origin_country: 'China',
            destination_country: 'DE',
          },
        ]),
      },
    ]);
    expect(rejections[0]!.problems!.map((p) => p.field)).toEqual(['kind', 'eventTime', 'amount', 'originCountry']);
    expect(rejections[0]!.message).toMatch(
      /^kind: "swapped" is not one of PLACED, CANCELLED, RETURNED \(column type\).*; eventTime: "last week" is not a time.*; amount: must not be negative; originCountry: must be an ISO 3166-1 alpha-2 code such as CN$/,
    );
  });
});
