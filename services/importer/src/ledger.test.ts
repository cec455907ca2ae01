import { describe, expect, it } from 'vitest';
import { carryOf, MemoryImportLedger } from './ledger.ts';

describe("the ledger's carry-forward fields", () => {
  it('reads them from an entry, and ignores entries written before they existed or not readable', () => {
    const carry = { entity: '["shipments","C-1","S-1"]', eventTime: 1_700_000_000_000, fields: { transportMode: 'SEA' } };
    expect(carryOf(JSON.stringify({ kind: 'shipments', file: 'a.jsonl', line: 3, run: 'r', importedAt: 'x', carry }))).toEqual(carry);
    expect(carryOf(JSON.stringify({ kind: 'shipments', file: 'a.jsonl', line: 3, run: 'r', importedAt: 'x' }))).toBeUndefined();
    expect(carryOf(JSON.stringify({ carry: { entity: 7, eventTime: 1, fields: {} } }))).toBeUndefined();
    expect(carryOf('{not json')).toBeUndefined();
  });

  it('are remembered per order, shipment or complaint as entries are recorded', async () => {
    const ledger = new MemoryImportLedger();
    await ledger.record([
      {
        eventId: 'E-1',
        kind: 'complaints',
        file: 'a',
        line: 1,
        carry: { entity: 'T-1', eventTime: 1, fields: { severity: 'LOW', category: 'DELAY' } },
      },
      { eventId: 'E-2', kind: 'complaints', file: 'a', line: 2, carry: { entity: 'T-1', eventTime: 2, fields: { severity: 'HIGH' } } },
      { eventId: 'E-3', kind: 'orders', file: 'b', line: 1 },
    ]);
    expect(ledger.carried('T-1')).toEqual({ severity: 'HIGH', category: 'DELAY' });
    expect(ledger.size).toBe(3);
  });
});
