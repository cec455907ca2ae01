import { describe, expect, it } from 'vitest';
import { deriveEventId, uuidV5 } from './event-id.ts';

const order = { customerId: 'C-1', orderId: 'O-1', kind: 'PLACED', eventTime: 1_709_251_200_000, amount: 10 };

describe('deriveEventId', () => {
  it('is a name-based UUID (RFC 9562 version 5)', () => {
    // The RFC's own example: the DNS namespace and www.example.com.
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(deriveEventId('orders', order)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives the ids earlier imports gave: the ledger and the segmenter know events by them', () => {
    // Computed by the hand-written version 5 the importer used before the uuid package; any
    // change here would import every event of a re-run as a new one.
    const t = 1_709_251_200_000;
    expect(deriveEventId('orders', { customerId: 'C-1', orderId: 'O-1', kind: 'PLACED', eventTime: t })).toBe(
      'a45d0774-106d-5989-b73a-31eaec2774a8',
    );
    expect(deriveEventId('orders', { customerId: '客户-上海-07', orderId: '订单-9', kind: 'RETURNED', eventTime: t + 1 })).toBe(
      '5f3c3494-253f-5dc3-9369-758b819a78e3',
    );
    expect(deriveEventId('shipments', { customerId: 'C-1', shipmentId: 'S-1', status: 'IN_TRANSIT', eventTime: t })).toBe(
      '7bb49e8b-03b5-50de-998d-cfc0efef7d7a',
    );
    expect(deriveEventId('complaints', { customerId: 'C-1', complaintId: 'K-1', action: 'ESCALATED', eventTime: t })).toBe(
      '60dbedad-1b2b-51c8-9718-431f6e5b3038',
    );
    expect(deriveEventId('profiles', { customerId: 'C-1', eventTime: t })).toBe('aea54a51-2263-5753-8c20-1d1dcb4baa3d');
  });

  it('depends only on what identifies the event, not on the other fields or where the row came from', () => {
    expect(deriveEventId('orders', { ...order, amount: 99, currency: 'USD' })).toBe(deriveEventId('orders', order));
  });

  it('tells apart the events of one order, one shipment, one complaint', () => {
    const ids = new Set([
      deriveEventId('orders', order),
      deriveEventId('orders', { ...order, kind: 'CANCELLED' }),
      deriveEventId('orders', { ...order, eventTime: order.eventTime + 1 }),
      deriveEventId('orders', { ...order, customerId: 'C-2' }),
      deriveEventId('shipments', { customerId: 'C-1', shipmentId: 'O-1', status: 'PLACED', eventTime: order.eventTime }),
      deriveEventId('shipments', { customerId: 'C-1', shipmentId: 'S-1', status: 'IN_TRANSIT', eventTime: order.eventTime }),
      deriveEventId('shipments', { customerId: 'C-1', shipmentId: 'S-1', status: 'DELIVERED', eventTime: order.eventTime }),
      deriveEventId('complaints', { customerId: 'C-1', complaintId: 'K-1', action: 'OPENED', eventTime: order.eventTime }),
      deriveEventId('profiles', { customerId: 'C-1', eventTime: order.eventTime }),
    ]);
    expect(ids.size).toBe(9);
  });
});
