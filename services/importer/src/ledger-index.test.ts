import { describe, expect, it } from 'vitest';
import { CarryMemory } from '@segmentation/mapping';
import { withSpillFolder } from './external-sort.ts';
import { SqliteKnownStore, SqliteSeenEvents } from './ledger-index.ts';
import { KnownImports, type LedgerEntry } from './ledger.ts';

/** A ledger whose entries go nowhere but into its store: what KafkaImportLedger does after a send. */
class StoreLedger extends KnownImports {
  record(entries: LedgerEntry[]): Promise<void> {
    this.know(entries);
    return Promise.resolve();
  }
}

describe('the ledger index on disk', () => {
  it('knows every id recorded, across many transactions, and counts each once', async () => {
    await withSpillFolder(undefined, async (folder) => {
      const ledger = new StoreLedger(new SqliteKnownStore(folder.path));
      try {
        const ids = Array.from({ length: 45_000 }, (_, i) => `E-${i}`);
        for (let start = 0; start < ids.length; start += 1000) {
          await ledger.record(
            ids.slice(start, start + 1000).map((eventId, i) => ({ eventId, kind: 'orders', file: 'orders.csv', line: start + i })),
          );
        }
        await ledger.record([{ eventId: 'E-7', kind: 'orders', file: 'again.csv', line: 1 }]);
        expect(ledger.size).toBe(45_000);
        expect(ids.every((id) => ledger.has(id))).toBe(true);
        expect(ledger.has('E-45000')).toBe(false);
        expect(ledger.has('')).toBe(false);
      } finally {
        ledger.close();
      }
    });
  });

  it('keeps per order, shipment or complaint the same carry-forward fields as the in-memory ledger, whatever the order entries come in', async () => {
    await withSpillFolder(undefined, (folder) => {
      const store = new SqliteKnownStore(folder.path);
      const memory = new CarryMemory();
      try {
        // Entries of a few entities with times out of order, each giving some of the fields.
        const fields = ['transportMode', 'port', 'orderId'];
        for (let i = 0; i < 600; i++) {
          const entity = `["shipments","C-${i % 5}","S-${i % 7}"]`;
          const eventTime = 1_700_000_000_000 + ((i * 7919) % 97) * 60_000;
          const given = Object.fromEntries(fields.filter((_, f) => (i + f) % 3 !== 0).map((f) => [f, `${f}-${i}`]));
          store.remember(entity, eventTime, given);
          memory.remember(entity, eventTime, given);
        }
        for (let c = 0; c < 5; c++) {
          for (let s = 0; s < 7; s++) {
            const entity = `["shipments","C-${c}","S-${s}"]`;
            expect(store.carried(entity)).toEqual(memory.get(entity));
          }
        }
        expect(store.carried('["shipments","C-9","S-9"]')).toBeUndefined();
      } finally {
        store.close();
      }
    });
  });

  it('takes carry-forward fields from the entries a ledger reads back', async () => {
    await withSpillFolder(undefined, async (folder) => {
      const ledger = new StoreLedger(new SqliteKnownStore(folder.path));
      try {
        await ledger.record([
          { eventId: 'E-1', kind: 'complaints', file: 'a', line: 1, carry: { entity: 'T-1', eventTime: 2, fields: { severity: 'HIGH' } } },
          {
            eventId: 'E-2',
            kind: 'complaints',
            file: 'a',
            line: 2,
            carry: { entity: 'T-1', eventTime: 1, fields: { severity: 'LOW', category: 'DELAY' } },
          },
        ]);
        expect(ledger.carried('T-1')).toEqual({ severity: 'HIGH', category: 'DELAY' });
      } finally {
        ledger.close();
      }
    });
  });
});

describe('the events a run has seen', () => {
  it('answers where an event id was first seen, and nothing for a new one', async () => {
    await withSpillFolder(undefined, (folder) => {
      const seen = new SqliteSeenEvents(folder.path);
      try {
        for (let i = 0; i < 25_000; i++) expect(seen.firstSeen(`E-${i}`, i % 3, i + 2)).toBeUndefined();
        expect(seen.firstSeen('E-10', 2, 99_999)).toEqual({ file: 1, line: 12 });
        expect(seen.firstSeen('E-24999', 0, 1)).toEqual({ file: 0, line: 25_001 });
      } finally {
        seen.close();
      }
    });
  });
});
