import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '@segmentation/runtime';
import { RowBuffer, type RowBufferDeps } from './row-buffer.ts';

type Source = string;
const settings = { maxRows: 4, maxDelayMs: 50, retryInitialMs: 1, retryMaxMs: 4 };
const rowsOf = (table: string, ...ids: string[]) => ids.map((id) => ({ table, row: { id }, source: `m-${id}` }));

class FailingWith extends Error {
  readonly kind: 'retry' | 'reject' | 'fail';
  constructor(kind: 'retry' | 'reject' | 'fail') {
    super(kind);
    this.kind = kind;
  }
}

function harness(insert: (table: string, rows: Array<Record<string, unknown>>) => Promise<void>, processingAttempts?: number) {
  const inserted: Array<{ table: string; ids: unknown[] }> = [];
  const refused: Array<{ source: Source; table: string; code: number | undefined; kind?: string }> = [];
  const degraded: boolean[] = [];
  const deps: RowBufferDeps<Source> = {
    insert: async (table, rows) => {
      await insert(table, rows);
      inserted.push({ table, ids: rows.map((r) => r.id) });
    },
    classify: (err) => (err instanceof FailingWith ? err.kind : 'fail'),
    errorCode: (err) => (err instanceof FailingWith && err.kind === 'reject' ? 53 : undefined),
    reject: (r) => {
      refused.push(...r.map(({ source, table, code, kind }) => ({ source, table, code, kind })));
      return Promise.resolve();
    },
    onDegraded: (d) => {
      degraded.push(d);
    },
    logger: createLogger({}, 'silent'),
  };
  return { buffer: new RowBuffer<Source>({ ...settings, processingAttempts }, deps), inserted, refused, degraded };
}

describe('RowBuffer', () => {
  it('flushes as soon as the size limit is reached, one insert per table, before the time limit', async () => {
    const { buffer, inserted } = harness(() => Promise.resolve());
    const first = buffer.add(rowsOf('orders', 'a', 'b'));
    const second = buffer.add([...rowsOf('shipments', 'c'), ...rowsOf('orders', 'd')]);
    await Promise.all([first, second]);
    expect(inserted).toEqual([
      { table: 'orders', ids: ['a', 'b', 'd'] },
      { table: 'shipments', ids: ['c'] },
    ]);
  });

  it('flushes a small batch when the time limit passes', async () => {
    vi.useFakeTimers();
    try {
      const { buffer, inserted } = harness(() => Promise.resolve());
      let done = false;
      const added = buffer.add(rowsOf('orders', 'a')).then(() => {
        done = true;
      });
      await vi.advanceTimersByTimeAsync(settings.maxDelayMs - 1);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await added;
      expect(inserted).toEqual([{ table: 'orders', ids: ['a'] }]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('retries while ClickHouse is away, reports degraded and back, and resolves only once the rows are in', async () => {
    let failures = 3;
    const { buffer, inserted, degraded } = harness(() => (failures-- > 0 ? Promise.reject(new FailingWith('retry')) : Promise.resolve()));
    await buffer.add(rowsOf('orders', 'a', 'b', 'c', 'd'));
    expect(inserted).toEqual([{ table: 'orders', ids: ['a', 'b', 'c', 'd'] }]);
    expect(degraded).toEqual([true, false]);
  });

  it('dead-letters only the rows ClickHouse refuses for good, and inserts the rest', async () => {
    const { buffer, inserted, refused } = harness((_table, rows) =>
      rows.some((r) => r.id === 'bad') ? Promise.reject(new FailingWith('reject')) : Promise.resolve(),
    );
    await buffer.add(rowsOf('orders', 'a', 'bad', 'c', 'd'));
    expect(refused).toEqual([{ source: 'm-bad', table: 'orders', code: 53, kind: 'bad_data' }]);
    expect(inserted.flatMap((i) => i.ids).sort()).toEqual(['a', 'c', 'd']);
  });

  it('fails the waiting batches on an error that is neither retriable nor bad data, so nothing is committed', async () => {
    const { buffer, refused } = harness(() => Promise.reject(new FailingWith('fail')));
    await expect(buffer.add(rowsOf('orders', 'a', 'b', 'c', 'd'))).rejects.toThrow('fail');
    expect(refused).toEqual([]);
  });

  it('with processing attempts, dead-letters a row an insert fails on alone again and again while the others go in (a poison row)', async () => {
    const tries = new Map<string, number>();
    const { buffer, inserted, refused } = harness((_table, rows) => {
      const key = rows.map((r) => r.id).join();
      tries.set(key, (tries.get(key) ?? 0) + 1);
      return rows.some((r) => r.id === 'poison') ? Promise.reject(new FailingWith('fail')) : Promise.resolve();
    }, 3);
    await buffer.add(rowsOf('orders', 'a', 'poison', 'c', 'd'));
    expect(refused.map(({ source, kind }) => ({ source, kind }))).toEqual([{ source: 'm-poison', kind: 'failing' }]);
    expect(inserted.flatMap((i) => i.ids).sort()).toEqual(['a', 'c', 'd']);
    // Tried as many times as the setting says, whole and alone, before it counts against the row.
    expect(tries.get('a,poison,c,d')).toBe(3);
    expect(tries.get('poison')).toBe(3);
  });

  it('with processing attempts, a failure that passes on a retry dead-letters nothing', async () => {
    let failures = 2;
    const { buffer, inserted, refused } = harness(() => (failures-- > 0 ? Promise.reject(new FailingWith('fail')) : Promise.resolve()), 3);
    await buffer.add(rowsOf('orders', 'a', 'b', 'c', 'd'));
    expect(refused).toEqual([]);
    expect(inserted).toEqual([{ table: 'orders', ids: ['a', 'b', 'c', 'd'] }]);
  });

  it("with processing attempts, fails the batches when no row goes in at all: the fault is not a row's", async () => {
    const { buffer, refused } = harness(() => Promise.reject(new FailingWith('fail')), 2);
    await expect(buffer.add(rowsOf('orders', 'a', 'b', 'c', 'd'))).rejects.toThrow('fails on every row');
    expect(refused).toEqual([]);
  });

  it('drains what waits on shutdown', async () => {
    const { buffer, inserted } = harness(() => Promise.resolve());
    const added = buffer.add(rowsOf('orders', 'a'));
    await buffer.drain();
    await added;
    expect(inserted).toEqual([{ table: 'orders', ids: ['a'] }]);
  });

  it('has room while one insert runs, and none while a second waits behind it, until the first ends', async () => {
    const releases: Array<() => void> = [];
    const { buffer, inserted } = harness(() => new Promise<void>((resolve) => releases.push(resolve)));
    const first = buffer.add(rowsOf('orders', 'a', 'b', 'c', 'd'));
    await vi.waitFor(() => expect(releases).toHaveLength(1));
    await buffer.room(); // the first insert runs: the next one may fill meanwhile
    const second = buffer.add(rowsOf('orders', 'e', 'f', 'g', 'h'));
    let roomAgain = false;
    const room = buffer.room().then(() => {
      roomAgain = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(roomAgain).toBe(false);
    releases[0]!();
    await first;
    await room;
    expect(roomAgain).toBe(true);
    await vi.waitFor(() => expect(releases).toHaveLength(2));
    releases[1]!();
    await second;
    expect(inserted.map((i) => i.ids)).toEqual([
      ['a', 'b', 'c', 'd'],
      ['e', 'f', 'g', 'h'],
    ]);
  });
});
