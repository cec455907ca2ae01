import { describe, expect, it } from 'vitest';
import { createRowMapper, mappingFileSchema, parseNumber, type MappingFile } from './mapping.ts';

const SHANGHAI = 'Asia/Shanghai';
const mapped = (kind: Parameters<typeof createRowMapper>[0], row: Record<string, unknown>, mapping: MappingFile = {}) => {
  const result = createRowMapper(kind, mapping, SHANGHAI).map(row);
  if (!result.ok) throw new Error(result.message);
  return result.record;
};
const refused = (kind: Parameters<typeof createRowMapper>[0], row: Record<string, unknown>, mapping: MappingFile = {}) => {
  const result = createRowMapper(kind, mapping, SHANGHAI).map(row);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.record)}`);
  return result.message;
};

const orderRow = {
  customer_id: 'C-1',
  order_id: 'O-1',
  order_status: 'placed',
  order_time: '2024-03-05 09:00',
  amount: '1200.50',
  currency: 'cny',
  service_level: 'Express',
  origin_country: 'cn',
  destination_country: 'DE',
};

describe('the default column mapping', () => {
  it('turns a common order export row into an Order, leaving optional fields empty', () => {
    expect(mapped('orders', orderRow)).toEqual({
      eventId: null,
      customerId: 'C-1',
      orderId: 'O-1',
      kind: 'PLACED',
      eventTime: Date.UTC(2024, 2, 5, 1),
      amount: 1200.5,
      currency: 'CNY',
      serviceLevel: 'EXPRESS',
      valueAddedServices: [],
      weightKg: null,
      volumeM3: null,
      originCountry: 'CN',
      originRegion: null,
      destinationCountry: 'DE',
      destinationRegion: null,
      channel: null,
    });
  });

  it('finds columns whatever their case, spacing or language', () => {
    const expected = mapped('orders', orderRow);
    expect(
      mapped('orders', {
        'Customer ID': 'C-1',
        orderId: 'O-1',
        Type: 'Placed',
        'ORDER-TIME': '2024-03-05 09:00',
        order_amount: '1200.50',
        Currency: 'CNY',
        'Service Level': 'express',
        'origin country': 'CN',
        destination_country: 'DE',
      }),
    ).toEqual(expected);
    expect(
      mapped('orders', {
        客户编号: 'C-1',
        订单号: 'O-1',
        订单类型: '下单',
        下单时间: '2024-03-05 09:00',
        金额: '1200.50',
        币种: 'CNY',
        服务等级: '特快',
        始发国: 'CN',
        目的国: 'DE',
      }),
    ).toEqual(expected);
  });

  it('takes the first matching column when an export has several', () => {
    expect(mapped('orders', { ...orderRow, created_at: '2020-01-01' }).eventTime).toBe(Date.UTC(2024, 2, 5, 1));
  });

  it('canonicalises enum values case-insensitively and from Chinese labels', () => {
    const shipment = (status: string, mode: string) =>
      mapped('shipments', { customer_id: 'C-1', shipment_id: 'S-1', status, transport_mode: mode, event_time: '2024-03-05' });
    expect(shipment('in transit', 'Sea')).toMatchObject({ status: 'IN_TRANSIT', transportMode: 'SEA' });
    expect(shipment('In-Transit', 'air')).toMatchObject({ status: 'IN_TRANSIT', transportMode: 'AIR' });
    expect(shipment('已签收', '铁路')).toMatchObject({ status: 'DELIVERED', transportMode: 'RAIL' });
    expect(
      mapped('profiles', { customer_id: 'C-1', industry: 'e-commerce', customer_type: '货代', country: 'cn', signup_date: '2023-01-15' }),
    ).toMatchObject({ industry: 'E_COMMERCE', customerType: 'FORWARDER', country: 'CN' });
  });

  it('reads value-added services as a ;-separated list (or a JSON array) of snake_case names', () => {
    expect(mapped('orders', { ...orderRow, value_added_services: 'insurance; Cold chain;;door-to-door' }).valueAddedServices).toEqual([
      'insurance',
      'cold_chain',
      'door_to_door',
    ]);
    expect(mapped('orders', { ...orderRow, 增值服务: '冷链、报关' }).valueAddedServices).toEqual(['cold_chain', 'customs_clearance']);
    expect(mapped('orders', { ...orderRow, vas: ['Insurance', 'warehousing'] }).valueAddedServices).toEqual(['insurance', 'warehousing']);
  });

  it('takes typed JSON values as they are', () => {
    expect(mapped('orders', { ...orderRow, amount: 99.5, weight_kg: 12, order_time: 1_709_251_200_000, order_id: 1001 })).toMatchObject({
      amount: 99.5,
      weightKg: 12,
      eventTime: 1_709_251_200_000,
      orderId: '1001',
    });
  });

  it('counts a profile from its sign-up when the export has no change time', () => {
    const profile = { customer_id: 'C-1', industry: 'retail', customer_type: 'shipper', country: 'CN', signed_up_at: '2023-01-15' };
    expect(mapped('profiles', profile).eventTime).toBe(Date.UTC(2023, 0, 14, 16));
    expect(mapped('profiles', { ...profile, updated_at: '2024-06-01' }).eventTime).toBe(Date.UTC(2024, 4, 31, 16));
  });

  it('refuses a cell that cannot become a value, naming the field and the column', () => {
    expect(refused('orders', { ...orderRow, amount: '12,5x' })).toBe('amount: "12,5x" is not a number (column amount)');
    expect(refused('orders', { ...orderRow, order_time: '05/03/2024' })).toMatch(
      /^eventTime: "05\/03\/2024" is not a time .*\(column order_time\)$/,
    );
  });

  it('refuses a row without a required value, naming the columns looked for', () => {
    expect(refused('orders', { ...orderRow, currency: ' ' })).toBe(
      'currency: missing (looked for columns currency, currency_code, ccy, 币种, 货币)',
    );
  });

  it('says which required fields a header cannot give', () => {
    const mapper = createRowMapper('orders', {}, SHANGHAI);
    expect(mapper.missingColumns(Object.keys(orderRow))).toEqual([]);
    expect(mapper.missingFields(['customer_id', 'order_id', 'order_time', 'amount'])).toEqual([
      'kind',
      'currency',
      'serviceLevel',
      'originCountry',
      'destinationCountry',
    ]);
    expect(
      mapper.missingColumns([
        'customer_id',
        'order_id',
        'order_time',
        'amount',
        'kind',
        'service_level',
        'origin_country',
        'destination_country',
      ]),
    ).toEqual(['currency (looked for currency, currency_code, ccy, 币种, 货币)']);
  });
});

describe('fields that say what an event is', () => {
  it('have no built-in default: an order row without its kind is refused, not imported as placed', () => {
    const { order_status: _, ...withoutKind } = orderRow;
    expect(refused('orders', withoutKind)).toMatch(/^kind: missing \(looked for columns kind, order_kind, .*, type, 类型\)$/);
    for (const kind of ['orders', 'shipments', 'complaints'] as const) {
      const spec = createRowMapper(kind, {}, SHANGHAI).spec;
      const meaning = Object.values(spec).filter((f) => f.meaning);
      expect(meaning).toHaveLength(1);
      expect(meaning[0]!.default).toBeUndefined();
    }
  });

  it('take a default only when the mapping file names one', () => {
    const { order_status: _, ...withoutKind } = orderRow;
    expect(mapped('orders', withoutKind, { orders: { defaults: { kind: 'PLACED' } } }).kind).toBe('PLACED');
  });

  it('are read from type and event_type columns, placed / returned and their Chinese labels', () => {
    const { order_status: _, ...withoutKind } = orderRow;
    expect(mapped('orders', { ...withoutKind, type: 'returned' }).kind).toBe('RETURNED');
    expect(mapped('orders', { ...withoutKind, event_type: 'Cancel' }).kind).toBe('CANCELLED');
    expect(mapped('orders', { ...withoutKind, 类型: '退货' }).kind).toBe('RETURNED');
    expect(
      mapped('shipments', { customer_id: 'C-1', waybill_no: 'S-1', event_type: 'pod', mode: 'ocean freight', occurred_at: '2024-03-05' }),
    ).toMatchObject({ status: 'DELIVERED', transportMode: 'SEA', eventTime: Date.UTC(2024, 2, 4, 16) });
    expect(
      mapped('complaints', {
        customer_id: 'C-1',
        ticket_id: 'T-1',
        type: 'closed',
        category: 'delay',
        severity: 'high',
        occurred_at: '2024-03-05',
      }),
    ).toMatchObject({ action: 'RESOLVED' });
  });

  it("prefer a kind's own column to the vague type", () => {
    expect(mapped('orders', { ...orderRow, type: 'returned' }).kind).toBe('PLACED');
  });
});

describe('every problem of a row at once', () => {
  it('names each field that cannot be read or is missing, not only the first', () => {
    const result = createRowMapper('orders', {}, SHANGHAI).map({ ...orderRow, amount: 'lots', order_time: 'yesterday', currency: '' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.field, p.reason])).toEqual([
      ['eventTime', 'invalid_value'],
      ['amount', 'invalid_value'],
      ['currency', 'invalid_value'],
    ]);
    expect(result.message).toMatch(
      /^eventTime: "yesterday" is not a time .*; amount: "lots" is not a number \(column amount\); currency: missing/,
    );
  });
});

describe('a mapping file', () => {
  const mapping = mappingFileSchema.parse({
    orders: {
      columns: { customerId: 'CUST_NO', amount: ['AMT_CNY', 'AMT'] },
      defaults: { currency: 'CNY', originCountry: 'CN' },
      values: { serviceLevel: { 'Next Day': 'express', 次日达: 'EXPRESS' }, destinationCountry: { 德国: 'DE' } },
    },
  });

  it("renames columns, fills defaults and maps the export's own labels", () => {
    expect(
      mapped(
        'orders',
        {
          CUST_NO: 'C-9',
          order_id: 'O-1',
          event_type: 'placed',
          order_time: '2024-03-05 09:00',
          AMT: '50',
          service_level: 'next day',
          destination_country: '德国',
        },
        mapping,
      ),
    ).toMatchObject({
      customerId: 'C-9',
      amount: 50,
      currency: 'CNY',
      originCountry: 'CN',
      serviceLevel: 'EXPRESS',
      destinationCountry: 'DE',
    });
  });

  it('replaces the default names of a column it renames', () => {
    expect(refused('orders', { ...orderRow, CUST_NO: undefined, AMT: '1' }, mapping)).toMatch(
      /^customerId: missing \(looked for columns CUST_NO\)$/,
    );
  });

  it('uses a default only where the row has no value', () => {
    expect(mapped('orders', { ...orderRow, customer_id: undefined, CUST_NO: 'C-9', AMT: '1', currency: 'USD' }, mapping).currency).toBe(
      'USD',
    );
  });

  it('is refused when it names a field the kind does not have, or a kind that does not exist', () => {
    const bad = mappingFileSchema.safeParse({ orders: { columns: { amout: 'AMT' } }, invoices: {} });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(messages).toMatch(/orders\.columns\.amout: unknown field "amout" of orders; the fields are eventId, customerId/);
    expect(messages).toMatch(/unknown kind\(s\) invoices; the kinds are orders, shipments, complaints, profiles/);
  });
});

describe('parseNumber', () => {
  it('reads plain and thousands-separated decimals, and nothing else', () => {
    expect(parseNumber('1,250.00')).toEqual({ ok: true, value: 1250 });
    expect(parseNumber(' -3.5 ')).toEqual({ ok: true, value: -3.5 });
    expect(parseNumber('1e3')).toEqual({ ok: true, value: 1000 });
    expect(parseNumber('1,25').ok).toBe(false);
    expect(parseNumber('¥100').ok).toBe(false);
    expect(parseNumber(Number.NaN).ok).toBe(false);
  });
});
