import { describe, expect, it } from 'vitest';
import type { CustomerEvent } from '@segmentation/contracts';
import type { ImportKind } from '@segmentation/mapping';
import { sortForLog, type PendingEvent } from './merge.ts';

const pending = (id: string, eventTime: number, kind: ImportKind = 'orders', fileIndex = 0, line = 2): PendingEvent => ({
  event: {
    eventId: id,
    customerId: 'C-1',
    eventTime,
    source: null,
    body: { 'segmentation.log.Tick': { partition: 0 } },
  } satisfies CustomerEvent,
  kind,
  fileIndex,
  line,
});
const ids = (events: PendingEvent[]) => sortForLog(events).map((p) => p.event.eventId);

describe('sortForLog', () => {
  it('orders events from every file by event time', () => {
    expect(ids([pending('c', 300, 'orders', 0, 2), pending('a', 100, 'shipments', 1, 9), pending('b', 200, 'orders', 0, 3)])).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('puts a profile before an order before a shipment before a complaint at the same instant', () => {
    expect(
      ids([
        pending('k', 100, 'complaints', 0),
        pending('s', 100, 'shipments', 1),
        pending('o', 100, 'orders', 2),
        pending('p', 100, 'profiles', 3),
      ]),
    ).toEqual(['p', 'o', 's', 'k']);
  });

  it('breaks remaining ties by file, then line, so every run writes the same order', () => {
    expect(
      ids([pending('f1-l5', 100, 'orders', 1, 5), pending('f0-l9', 100, 'orders', 0, 9), pending('f0-l3', 100, 'orders', 0, 3)]),
    ).toEqual(['f0-l3', 'f0-l9', 'f1-l5']);
  });
});
