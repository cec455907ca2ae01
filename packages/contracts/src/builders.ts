import { randomUUID } from 'node:crypto';
import type { Complaint, CustomerProfile, Order, Shipment } from './records.ts';

// Builders of valid source records with sensible defaults: tests, the sample feed and fixtures
// override only what matters to them (`anOrder({ amount: 10 })`).

export function anOrder(overrides: Partial<Order> = {}): Order {
  return {
    eventId: randomUUID(),
    customerId: 'C-SH-001',
    orderId: `O-${randomUUID().slice(0, 8)}`,
    kind: 'PLACED',
    eventTime: Date.now(),
    amount: 1000,
    currency: 'CNY',
    serviceLevel: 'STANDARD',
    valueAddedServices: [],
    weightKg: 120,
    volumeM3: 0.8,
    originCountry: 'CN',
    originRegion: 'Shanghai',
    destinationCountry: 'DE',
    destinationRegion: null,
    channel: 'api',
    ...overrides,
  };
}

export function aShipment(overrides: Partial<Shipment> = {}): Shipment {
  const eventTime = overrides.eventTime ?? Date.now();
  return {
    eventId: randomUUID(),
    customerId: 'C-SH-001',
    shipmentId: `S-${randomUUID().slice(0, 8)}`,
    orderId: null,
    status: 'IN_TRANSIT',
    transportMode: 'SEA',
    eventTime,
    promisedDeliveryTime: eventTime + 14 * 86_400_000,
    actualDeliveryTime: null,
    port: 'CNSHA',
    originCountry: 'CN',
    destinationCountry: 'DE',
    ...overrides,
  };
}

export function aComplaint(overrides: Partial<Complaint> = {}): Complaint {
  return {
    eventId: randomUUID(),
    customerId: 'C-SH-001',
    complaintId: `K-${randomUUID().slice(0, 8)}`,
    action: 'OPENED',
    category: 'DELAY',
    severity: 'MEDIUM',
    eventTime: Date.now(),
    shipmentId: null,
    satisfactionScore: null,
    npsScore: null,
    ...overrides,
  };
}

export function aProfile(overrides: Partial<CustomerProfile> = {}): CustomerProfile {
  return {
    eventId: randomUUID(),
    customerId: 'C-SH-001',
    eventTime: Date.now(),
    industry: 'MANUFACTURING',
    customerType: 'CARGO_OWNER',
    country: 'CN',
    region: 'Yangtze River Delta',
    accountManager: null,
    signedUpAt: Date.UTC(2023, 0, 15),
    ...overrides,
  };
}
