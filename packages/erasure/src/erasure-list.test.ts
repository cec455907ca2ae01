import { describe, expect, it } from 'vitest';
import type { CustomerErasure } from '@segmentation/contracts';
import { ServiceUnavailableError } from '@segmentation/runtime';
import { UndecodableError, type ConsumedMessage } from '@segmentation/kafka';
import { readErasure } from './erasure-list.ts';

const message: ConsumedMessage = {
  topic: 'customer-erasures',
  partition: 0,
  offset: '7',
  key: null,
  value: Buffer.from([0, 0, 0, 0, 1]),
  headers: {},
  timestamp: 0,
};
const erasure: CustomerErasure = { customerId: 'C-1', requestedAt: 0, requestedBy: 'dpo', reason: 'PIPL request' };

describe('reading an entry of the erasure list', () => {
  it('waits for a registry that is away, as long as it takes, and never skips the entry', async () => {
    let calls = 0;
    const waits: number[] = [];
    const slept: number[] = [];
    const id = await readErasure(
      message,
      () => {
        calls++;
        if (calls <= 7) return Promise.reject(new ServiceUnavailableError('Schema Registry', 'http://registry', new Error('ECONNREFUSED')));
        return Promise.resolve(erasure);
      },
      {
        isStopping: () => false,
        waiting: (attempt) => waits.push(attempt),
        unreadable: () => {
          throw new Error('not unreadable');
        },
        sleep: (ms) => {
          slept.push(ms);
          return Promise.resolve();
        },
      },
    );
    expect(id).toBe('C-1');
    expect(waits).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // Doubling from 200 ms, capped at 5 s: a registry back within seconds is noticed within seconds.
    expect(slept).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('skips, and reports, only bytes the erase command cannot have written', async () => {
    const reported: string[] = [];
    const id = await readErasure(message, () => Promise.reject(new UndecodableError('undecodable', 'magic byte is 7')), {
      isStopping: () => false,
      waiting: () => {
        throw new Error('not a wait');
      },
      unreadable: (err) => reported.push(err.message),
      sleep: () => Promise.resolve(),
    });
    expect(id).toBeUndefined();
    expect(reported).toEqual(['magic byte is 7']);
  });

  it('gives up waiting when the process stops', async () => {
    const failure = new ServiceUnavailableError('Schema Registry', 'http://registry', new Error('ECONNREFUSED'));
    await expect(
      readErasure(message, () => Promise.reject(failure), {
        isStopping: () => true,
        waiting: () => undefined,
        unreadable: () => undefined,
        sleep: () => Promise.resolve(),
      }),
    ).rejects.toBe(failure);
  });
});
