import { existsSync, mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent } from '@segmentation/contracts';
import { createRandom } from '@segmentation/simulator';
import type { ImportKind } from '@segmentation/mapping';
import { ExternalSort, withSpillFolder } from './external-sort.ts';
import { compareForLog, type PendingEvent } from './merge.ts';

const KINDS: ImportKind[] = ['complaints', 'shipments', 'orders', 'profiles'];

/** Events in no order at all, with many ties of time, and of time and kind, across files. */
function shuffledEvents(count: number, seed: number): PendingEvent[] {
  const random = createRandom(seed);
  const next = () => random.next();
  const events: PendingEvent[] = [];
  for (let i = 0; i < count; i++) {
    const eventTime = Date.UTC(2024, 0, 1) + Math.floor(next() * 20) * 60_000;
    const event = {
      eventId: `E-${i}`,
      customerId: `C-${i % 7}`,
      eventTime,
      source: null,
      body: { kind: 'profile' },
    } as unknown as CustomerEvent;
    events.push({
      event,
      kind: KINDS[Math.floor(next() * KINDS.length)]!,
      fileIndex: Math.floor(next() * 3),
      line: 1 + Math.floor(next() * 1_000_000),
    });
  }
  return events;
}

async function sortThrough<T>(
  folder: string,
  items: T[],
  compare: (a: T, b: T) => number,
  runSize: number,
): Promise<{ out: T[]; spilled: number }> {
  const sort = new ExternalSort<T>(folder, 'test', compare, runSize);
  for (const item of items) await sort.add(item);
  const spilled = sort.spilled;
  const out: T[] = [];
  for await (const item of sort.sorted()) out.push(item);
  return { out, spilled };
}

describe('the external sort', () => {
  it('gives exactly the order of compareForLog for input out of order across many spilled runs, ties of time and kind included', async () => {
    await withSpillFolder(undefined, async (folder) => {
      const events = shuffledEvents(2_000, 7);
      const { out, spilled } = await sortThrough(folder.path, events, compareForLog, 37);
      expect(spilled).toBeGreaterThan(50);
      expect(out).toEqual([...events].sort(compareForLog));
      // The ties this input has are real: many events share a time, and a time and a kind.
      expect(new Set(events.map((e) => e.event.eventTime)).size).toBeLessThan(25);
      // Run files are deleted as they are merged.
      expect(readdirSync(folder.path)).toEqual([]);
    });
  });

  it('keeps items that compare equal in the order they were added, across runs', async () => {
    await withSpillFolder(undefined, async (folder) => {
      const items = Array.from({ length: 300 }, (_, i) => ({ key: (i * 7919) % 5, added: i }));
      const { out } = await sortThrough(folder.path, items, (a, b) => a.key - b.key, 11);
      expect(out).toEqual([...items].sort((a, b) => a.key - b.key || a.added - b.added));
    });
  });

  it('sorts in memory, writing nothing, when everything fits in one run', async () => {
    await withSpillFolder(undefined, async (folder) => {
      const { out, spilled } = await sortThrough(folder.path, [3, 1, 2], (a, b) => a - b, 10);
      expect(out).toEqual([1, 2, 3]);
      expect(spilled).toBe(0);
      expect(readdirSync(folder.path)).toEqual([]);
    });
  });

  it('removes the spill folder after a run that succeeded and after one that failed while merging', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'importer-spill-'));
    let used = '';
    await withSpillFolder(parent, async (folder) => {
      used = folder.path;
      await sortThrough(folder.path, [5, 4, 3, 2, 1], (a, b) => a - b, 2);
      expect(existsSync(used)).toBe(true);
    });
    expect(existsSync(used)).toBe(false);

    await expect(
      withSpillFolder(parent, async (folder) => {
        used = folder.path;
        const sort = new ExternalSort<number>(folder.path, 'failing', (a, b) => a - b, 2);
        for (const n of [5, 4, 3, 2, 1]) await sort.add(n);
        expect(readdirSync(folder.path).length).toBe(2);
        for await (const n of sort.sorted()) if (n === 3) throw new Error('the log refused a batch');
      }),
    ).rejects.toThrow('the log refused a batch');
    expect(existsSync(used)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
    rmdirSync(parent);
  });

  it('refuses a run size that is not a positive integer', () => {
    expect(() => new ExternalSort<number>(tmpdir(), 'x', (a, b) => a - b, 0)).toThrow(/positive integer/);
  });
});
