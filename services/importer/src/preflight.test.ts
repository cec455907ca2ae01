import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@segmentation/runtime';
import { importHistory } from './command.ts';
import type { ImportFile } from './importer.ts';
import type { MappingFile } from '@segmentation/mapping';
import { loadEnv, type ImportOptions } from './options.ts';
import { formatPreflight, preflight, PreflightRefusedError, type FilePreflight } from './preflight.ts';

const messy = join(import.meta.dirname, '../../../test/fixtures/import/messy');
const dir = mkdtempSync(join(tmpdir(), 'importer-preflight-'));
let n = 0;
function write(lines: string[], ext: string): string {
  const path = join(dir, `f${n++}${ext}`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}
const check = (files: ImportFile[], mapping: MappingFile = {}, encoding = 'utf-8') =>
  preflight({ files, mapping, timeZone: 'Asia/Shanghai', encoding });
const field = (f: FilePreflight, name: string) => f.fields.find((c) => c.field === name)!;
async function refusal(files: ImportFile[], mapping: MappingFile = {}): Promise<PreflightRefusedError> {
  const err = await check(files, mapping).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PreflightRefusedError);
  return err as PreflightRefusedError;
}

const order = (fields: Record<string, unknown>) =>
  JSON.stringify({
    cust_no: 'C-1',
    order_no: 'O-1',
    type: 'placed',
    occurred_at: '2024-03-01 09:00',
    amount: 10,
    ccy: 'CNY',
    service_level: 'standard',
    origin_country: 'CN',
    destination_country: 'DE',
    ...fields,
  });

describe('the pre-flight of a JSON Lines export', () => {
  it('says which field it found under which column, which it did not, the labels it does not know, and the columns it will not read', async () => {
    const {
      files: [orders, shipments],
    } = await check([
      { kind: 'orders', format: 'jsonl', path: join(messy, 'orders.jsonl') },
      { kind: 'shipments', format: 'jsonl', path: join(messy, 'shipments.jsonl') },
    ]);
    expect(orders!.sampledRows).toBe(7);
    expect(field(orders!, 'eventTime').columns).toEqual({ occurred_at: 7 });
    expect(field(orders!, 'kind')).toMatchObject({ columns: { type: 7 }, meaning: true, default: null, unknownValues: { exchange: 1 } });
    expect(field(orders!, 'currency').columns).toEqual({ ccy: 4 });
    expect(field(orders!, 'amount')).toMatchObject({ carried: 2, unreadable: 0 });
    expect(field(orders!, 'channel')).toMatchObject({
      columns: {},
      required: false,
      lookedFor: expect.arrayContaining(['channel', '渠道']) as unknown,
    });
    expect(orders!.ignoredColumns).toEqual(['sales_note', 'erp_sync_id']);
    expect(orders!.missing).toEqual([]);

    expect(field(shipments!, 'status').columns).toEqual({ event_type: 6 });
    expect(field(shipments!, 'transportMode')).toMatchObject({ columns: { mode: 2 }, carried: 3 });
    expect(field(shipments!, 'promisedDeliveryTime').columns).toEqual({ promised_at: 1 });
    expect(field(shipments!, 'port').columns).toEqual({ pol: 1 });
    expect(shipments!.ignoredColumns).toEqual(['carrier_name']);
  });

  it('refuses the run when a required field has no key in any sampled row, naming every such field and the names looked for', async () => {
    const path = write(
      [
        JSON.stringify({
          cust_no: 'C-1',
          order_no: 'O-1',
          when: '2024-03-01',
          amount: 10,
          ccy: 'CNY',
          service_level: 'standard',
          origin_country: 'CN',
          destination_country: 'DE',
        }),
      ],
      '.jsonl',
    );
    const err = await refusal([{ kind: 'orders', format: 'jsonl', path }]);
    expect(err.message).toContain(`${path} (orders) has no column for: kind (looked for kind, order_kind,`);
    expect(err.message).toMatch(/; eventTime \(looked for order_time, event_time, .*occurred_at.*\)/);
    expect(err.preflight.files[0]!.missing).toEqual(['kind', 'eventTime']);
    expect(formatPreflight(err.preflight)).toMatch(/kind +— +0 +MISSING: looked for kind, order_kind/);
    expect(formatPreflight(err.preflight)).toContain('columns not read: when');
  });

  it('stops the command before it connects anywhere', async () => {
    const path = write([JSON.stringify({ cust_no: 'C-1', order_no: 'O-1', occurred_at: '2024-03-01' })], '.jsonl');
    const env = loadEnv({ KAFKA_BROKERS: '127.0.0.1:1', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1', LOG_LEVEL: 'silent' });
    const options: ImportOptions = {
      files: [{ kind: 'orders', format: 'jsonl', path }],
      mapping: {},
      timeZone: null,
      encoding: 'utf-8',
      batchSize: 10,
      reportFile: join(dir, 'rejects.jsonl'),
      dryRun: false,
      json: true,
      quiet: true,
    };
    let seen = false;
    await expect(
      importHistory(env, options, createLogger({ service: 'test' }, 'silent'), { write: () => true }, () => {
        seen = true;
      }),
    ).rejects.toThrow(PreflightRefusedError);
    expect(seen).toBe(false);
  });

  it('refuses a CSV file the same way, from its header', async () => {
    const path = write(['customer_id,order_id,order_time,amount', 'C-1,O-1,2024-01-01,5'], '.csv');
    const err = await refusal([{ kind: 'orders', format: 'csv', path }]);
    expect(err.preflight.files[0]).toMatchObject({
      missing: ['kind'],
      fromEarlierImports: ['currency', 'serviceLevel', 'originCountry', 'destinationCountry'],
    });
    expect(err.message).toContain(
      'has no column for: kind (looked for kind, order_kind, order_event, order_event_type, order_type, order_status, 订单状态',
    );
  });

  it("counts the defaults it would use, and shows a default of what an event is as the mapping file's", async () => {
    const path = write(
      [
        order({ type: undefined }),
        order({ order_no: 'O-2', type: undefined, ccy: undefined }),
        order({ order_no: 'O-3', type: undefined, ccy: undefined }),
      ],
      '.jsonl',
    );
    const mapping: MappingFile = { orders: { defaults: { kind: 'PLACED', currency: 'CNY' } } };
    const report = await check([{ kind: 'orders', format: 'jsonl', path }], mapping);
    expect(field(report.files[0]!, 'kind')).toMatchObject({ columns: {}, default: 'PLACED', defaulted: 3 });
    expect(field(report.files[0]!, 'currency')).toMatchObject({ columns: { ccy: 1 }, default: 'CNY', defaulted: 2 });
    expect(formatPreflight(report)).toMatch(/kind +— +0 +3 +not found: default PLACED for every row, named in the mapping file/);
  });

  it('reads a GBK export with Chinese headers, and counts its unknown labels', async () => {
    const report = await check([{ kind: 'orders', format: 'csv', path: join(messy, 'orders-gbk.csv') }], {}, 'gbk');
    const [orders] = report.files;
    expect(field(orders!, 'kind')).toMatchObject({ columns: { 订单类型: 3 }, unknownValues: { 换货: 1 } });
    expect(field(orders!, 'originCountry')).toMatchObject({ columns: { 始发国: 2 }, carried: 1 });
    expect(orders!.ignoredColumns).toEqual(['备注']);
  });

  it('lets a status file lack a field of its shipment when another file of the kind has it, or leaves it to earlier imports', async () => {
    const master = write(
      [JSON.stringify({ customer_id: 'C-1', waybill_no: 'S-1', status: 'picked up', mode: 'sea', event_time: '2024-03-01' })],
      '.jsonl',
    );
    const feed = write(
      [JSON.stringify({ customer_id: 'C-1', waybill_no: 'S-1', status: 'in transit', event_time: '2024-03-02' })],
      '.jsonl',
    );
    const both = await check([
      { kind: 'shipments', format: 'jsonl', path: master },
      { kind: 'shipments', format: 'jsonl', path: feed },
    ]);
    expect(both.files.map((f) => [f.missing, f.fromEarlierImports])).toEqual([
      [[], []],
      [[], []],
    ]);

    const files: ImportFile[] = [{ kind: 'shipments', format: 'jsonl', path: feed }];
    const alone = await check(files);
    expect(alone.files[0]).toMatchObject({ missing: [], fromEarlierImports: ['transportMode'] });
    expect(formatPreflight(alone)).toContain('NOT FOUND in any file: only from earlier imports');
  });
});
