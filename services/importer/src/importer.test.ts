import { appendFileSync, mkdtempSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bodyOf, parseRates, type CustomerEvent } from '@segmentation/contracts';
import { ImportFailedError, runImport, type EventLog, type ImportFile, type ImportSettings } from './importer.ts';
import { MemoryImportLedger } from './ledger.ts';
import { silentProgress } from './progress.ts';
import { formatSummary, memoryReport } from './report.ts';

const NOW = Date.UTC(2025, 0, 1);
const dir = mkdtempSync(join(tmpdir(), 'importer-run-'));
let n = 0;

const ORDERS_HEADER = 'customer_id,order_id,order_status,order_time,amount,currency,service_level,origin_country,destination_country';
const orderLine = (customer: string, order: string, time: string, amount = '100', currency = 'CNY') =>
  `${customer},${order},placed,${time},${amount},${currency},standard,CN,DE`;
const shipmentLine = (fields: Record<string, unknown>) =>
  JSON.stringify({ customer_id: 'C-1', transport_mode: 'sea', status: 'IN_TRANSIT', ...fields });

function write(lines: string[], ext: string): string {
  const path = join(dir, `f${n++}${ext}`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** A log that keeps what it was sent, and can fail on its `failOn`-th batch (1-based). */
function fakeLog(failOn = 0): EventLog & { batches: CustomerEvent[][]; events: () => CustomerEvent[] } {
  const batches: CustomerEvent[][] = [];
  return {
    batches,
    events: () => batches.flat(),
    write(events) {
      if (batches.length + 1 === failOn) return Promise.reject(new Error('broker went away'));
      batches.push(events);
      return Promise.resolve();
    },
  };
}

const settings = (files: ImportFile[], overrides: Partial<ImportSettings> = {}): ImportSettings => ({
  files,
  mapping: {},
  timeZone: 'Asia/Shanghai',
  encoding: 'utf-8',
  batchSize: 100,
  currencies: parseRates('CNY', 'USD=7.1'),
  maxFutureSkewMs: 300_000,
  reportFile: null,
  ...overrides,
});

function run(files: ImportFile[], ledger: MemoryImportLedger, log: EventLog | null = fakeLog(), overrides: Partial<ImportSettings> = {}) {
  const report = memoryReport();
  return { report, done: runImport(settings(files, overrides), { log, ledger, report, now: () => NOW, progress: silentProgress }) };
}

/** Two orders of C-1 out of order, one of C-2 in USD, and three bad rows. */
function someOrders(): ImportFile {
  return {
    kind: 'orders',
    format: 'csv',
    path: write(
      [
        ORDERS_HEADER,
        orderLine('C-1', 'O-2', '2024-03-01 10:00'),
        orderLine('C-1', 'O-1', '2024-01-01 10:00'),
        orderLine('C-2', 'O-3', '2024-02-01 10:00', '10', 'USD'),
        orderLine('C-2', 'O-4', '2024-02-02 10:00', '10', 'XYZ'),
        orderLine('C-2', 'O-5', '2030-01-01 00:00'),
        orderLine('C-2', 'O-6', 'soon'),
      ],
      '.csv',
    ),
  };
}

/** A shipment of C-1 between its two orders, with its own event id, and a bad line. */
function someShipments(): ImportFile {
  return {
    kind: 'shipments',
    format: 'jsonl',
    path: write([shipmentLine({ event_id: 'SHIP-1', shipment_id: 'S-1', event_time: '2024-02-15 08:00' }), '{"customer_id": '], '.jsonl'),
  };
}

describe('runImport', () => {
  it('writes the valid rows of every file in event-time order and reports the others with line and reason', async () => {
    const log = fakeLog();
    const { report, done } = run([someOrders(), someShipments()], new MemoryImportLedger(), log);
    const summary = await done;

    expect(log.events().map((e) => [e.customerId, e.eventTime])).toEqual([
      ['C-1', Date.UTC(2024, 0, 1, 2)],
      ['C-2', Date.UTC(2024, 1, 1, 2)],
      ['C-1', Date.UTC(2024, 1, 15, 0)],
      ['C-1', Date.UTC(2024, 2, 1, 2)],
    ]);
    const [, usd, shipment] = log.events();
    expect(bodyOf(usd!)).toMatchObject({
      kind: 'order',
      order: { orderId: 'O-3', amount: 10, currency: 'USD', amountBase: 71, baseCurrency: 'CNY' },
    });
    expect(shipment).toMatchObject({ eventId: 'SHIP-1', source: null });
    expect(report.rejections.map((r) => [r.kind, r.line, r.reason])).toEqual([
      ['orders', 5, 'unknown_currency'],
      ['orders', 6, 'future_event_time'],
      ['orders', 7, 'invalid_value'],
      ['shipments', 2, 'invalid_value'],
    ]);
    expect(report.rejections[2]).toMatchObject({
      message:
        'eventTime: "soon" is not a time (use ISO-8601 such as 2024-03-01 08:30:00 or 2024-03-01T08:30:00+08:00, or epoch milliseconds) (column order_time)',
      row: { order_id: 'O-6' },
    });
    expect(summary).toMatchObject({
      rowsRead: 8,
      newEvents: 4,
      imported: 4,
      alreadyImported: 0,
      rejected: 4,
      rejectedByReason: { unknown_currency: 1, future_event_time: 1, invalid_value: 2 },
    });
    expect(summary.files.map((f) => [f.kind, f.rows, f.imported, f.rejected])).toEqual([
      ['orders', 6, 3, 3],
      ['shipments', 2, 1, 1],
    ]);
  });

  it('imports nothing of a customer on the erasure list, and says how many rows it left out', async () => {
    const log = fakeLog();
    const report = memoryReport();
    const summary = await runImport(settings([someOrders(), someShipments()]), {
      log,
      ledger: new MemoryImportLedger(),
      report,
      now: () => NOW,
      progress: silentProgress,
      erased: (id) => id === 'C-1',
    });
    expect(log.events().map((e) => e.customerId)).toEqual(['C-2']);
    expect(summary).toMatchObject({ newEvents: 1, imported: 1, erased: 3, rejected: 4 });
    expect(summary.files.map((f) => [f.kind, f.imported, f.erased])).toEqual([
      ['orders', 1, 2],
      ['shipments', 0, 1],
    ]);
    expect(formatSummary(summary)).toContain('erased customers   3 (on the erasure list: not imported)');
  });

  it('adds nothing on a second run, and exactly the appended rows on a run after appending', async () => {
    const ledger = new MemoryImportLedger();
    const files = [someOrders(), someShipments()];
    await run(files, ledger).done;

    const again = fakeLog();
    expect(await run(files, ledger, again).done).toMatchObject({ imported: 0, alreadyImported: 4, rejected: 4 });
    expect(again.events()).toEqual([]);

    appendFileSync(files[0]!.path, orderLine('C-3', 'O-7', '2023-06-01 00:00') + '\n' + orderLine('C-1', 'O-8', '2024-04-01 00:00') + '\n');
    appendFileSync(files[1]!.path, shipmentLine({ shipment_id: 'S-2', event_time: '2024-05-01' }) + '\n');
    const after = fakeLog();
    expect(await run(files, ledger, after).done).toMatchObject({ imported: 3, alreadyImported: 4 });
    expect(after.events().map((e) => e.eventTime)).toEqual([
      Date.UTC(2023, 4, 31, 16),
      Date.UTC(2024, 2, 31, 16),
      Date.UTC(2024, 3, 30, 16),
    ]);
  });

  it('records each batch in the ledger only once Kafka acknowledged it, so a failed run resumes where it stopped', async () => {
    const ledger = new MemoryImportLedger();
    const files = [someOrders(), someShipments()];
    const failing = fakeLog(2);
    const failed = await run(files, ledger, failing, { batchSize: 3 }).done.catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(ImportFailedError);
    expect((failed as ImportFailedError).summary).toMatchObject({ newEvents: 4, imported: 3 });
    expect(ledger.entries.map((e) => e.eventId)).toEqual(failing.events().map((e) => e.eventId));

    const resumed = fakeLog();
    expect(await run(files, ledger, resumed, { batchSize: 3 }).done).toMatchObject({ imported: 1, alreadyImported: 3 });
    const times = [...failing.events(), ...resumed.events()].map((e) => e.eventTime);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set([...failing.events(), ...resumed.events()].map((e) => e.eventId)).size).toBe(4);
  });

  it('gives a re-exported row the same id, and rejects the same event twice in one run as a duplicate', async () => {
    const first = {
      kind: 'orders' as const,
      format: 'csv' as const,
      path: write([ORDERS_HEADER, orderLine('C-1', 'O-1', '2024-01-01 10:00')], '.csv'),
    };
    // The same order exported by another system: other column names, an explicit offset, JSON.
    const again = {
      kind: 'orders' as const,
      format: 'jsonl' as const,
      path: write(
        [
          JSON.stringify({
            customerId: 'C-1',
            orderId: 'O-1',
            kind: 'PLACED',
            eventTime: '2024-01-01T02:00:00Z',
            amount: 100,
            currency: 'CNY',
            serviceLevel: 'STANDARD',
            originCountry: 'CN',
            destinationCountry: 'DE',
          }),
        ],
        '.jsonl',
      ),
    };
    const log = fakeLog();
    const { report, done } = run([first, again], new MemoryImportLedger(), log);
    expect(await done).toMatchObject({ imported: 1, rejected: 1 });
    expect(report.rejections[0]).toMatchObject({
      file: again.path,
      line: 1,
      reason: 'duplicate',
      message: `event ${log.events()[0]!.eventId} is the same event as ${first.path}:2`,
    });
  });

  it('validates and reports in a dry run, but writes nothing and records nothing', async () => {
    const ledger = new MemoryImportLedger();
    const { report, done } = run([someOrders()], ledger, null);
    expect(await done).toMatchObject({ dryRun: true, newEvents: 3, imported: 0, rejected: 3 });
    expect(report.rejections).toHaveLength(3);
    expect(ledger.size).toBe(0);
  });
});

describe('runImport with more rows than a sorted run holds', () => {
  /** Orders of many customers, the file in reverse time order, with carry-forward across runs and a duplicate. */
  function reversedOrders(count: number): ImportFile {
    const lines = [ORDERS_HEADER];
    for (let i = count - 1; i >= 0; i--) {
      const time = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
      // Every fifth order is returned a day later, the return repeating none of the order's fields.
      if (i % 5 === 0)
        lines.push(
          `C-${i % 9},O-${i},returned,${new Date(Date.UTC(2024, 0, 2) + i * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')},,,,,`,
        );
      lines.push(orderLine(`C-${i % 9}`, `O-${i}`, time));
    }
    lines.push(orderLine('C-3', 'O-3', new Date(Date.UTC(2024, 0, 1) + 3 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')));
    return { kind: 'orders', format: 'csv', path: write(lines, '.csv') };
  }

  it('writes the same events in the same order, with the same summary and report, as a run that sorts in memory', async () => {
    const file = reversedOrders(120);
    const inMemory = fakeLog();
    const one = run([file], new MemoryImportLedger(), inMemory);
    const spilled = fakeLog();
    const many = run([file], new MemoryImportLedger(), spilled, { sortRunRows: 7 });
    const [a, b] = [await one.done, await many.done];
    expect(spilled.events()).toEqual(inMemory.events());
    expect(spilled.events().map((e) => e.eventTime)).toEqual([...spilled.events().map((e) => e.eventTime)].sort((x, y) => x - y));
    expect(b).toEqual(a);
    expect(b).toMatchObject({ rowsRead: 145, imported: 144, rejected: 1, rejectedByReason: { duplicate: 1 } });
    expect(b.files[0]!.carriedForward).toMatchObject({ amount: 24, currency: 24 });
    expect(many.report.rejections).toEqual(one.report.rejections);
  });

  it('leaves no spill folder behind, after a run and after a run the log stopped part-way', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'importer-spill-'));
    const done = await run([reversedOrders(40)], new MemoryImportLedger(), fakeLog(), { sortRunRows: 5, tempDir: temp }).done;
    expect(done.imported).toBe(48);
    expect(readdirSync(temp)).toEqual([]);
    await expect(
      run([reversedOrders(40)], new MemoryImportLedger(), fakeLog(3), { sortRunRows: 5, tempDir: temp, batchSize: 4 }).done,
    ).rejects.toThrow(ImportFailedError);
    expect(readdirSync(temp)).toEqual([]);
    rmdirSync(temp);
  });
});

describe('a default of what an event is', () => {
  it('is used only when the mapping file names it, and counted per field in the summary', async () => {
    const path = write(
      [
        'customer_id,order_id,order_time,amount,currency,service_level,origin_country,destination_country',
        'C-1,O-1,2024-01-01 10:00,100,CNY,standard,CN,DE',
        'C-1,O-2,2024-01-02 10:00,100,,standard,CN,DE',
      ],
      '.csv',
    );
    const files: ImportFile[] = [{ kind: 'orders', format: 'csv', path }];
    const without = await run(files, new MemoryImportLedger()).done;
    expect(without).toMatchObject({ newEvents: 0, rejectedByReason: { invalid_value: 2 } });

    const log = fakeLog();
    const summary = await run(files, new MemoryImportLedger(), log, {
      mapping: { orders: { defaults: { kind: 'PLACED', currency: 'CNY' } } },
    }).done;
    expect(summary.files[0]).toMatchObject({ imported: 2, defaults: { kind: 2, currency: 1 }, events: { PLACED: 2 } });
    expect(formatSummary(summary)).toContain('defaults used    currency 1, kind 2');
  });
});
