import { describe, expect, it } from 'vitest';
import { deriveEventId, uuidV5 } from './event-id.ts';

const order = { customerId: 'C-1', orderId: 'O-1', kind: 'PLACED', eventTime: 1_709_251_200_000, amount: 10 };

describe('deriveEventId', () => {
  it('is a name-based UUID (RFC 9562 version 5)', () => {
    // The RFC's own example: the DNS namespace and www.example.com.
    expect(uuidV5('www.example.com', Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex'))).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(deriveEventId('orders', order)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
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
