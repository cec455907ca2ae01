import { describe, expect, it } from 'vitest';
import { ConsumerRestarts, lostGroupMembership, restartDelayMs, type ConsumerRestartsOptions } from './batch-consumer.ts';

/** A ConsumerRestarts with millisecond waits, recording what it did. */
function restartsOf(restart: () => Promise<void>, overrides: Partial<ConsumerRestartsOptions> = {}) {
  const events: string[] = [];
  let stopping = false;
  const restarts = new ConsumerRestarts({
    restart,
    isStopping: () => stopping,
    onAttemptFailed: (attempt) => events.push(`failed ${attempt}`),
    onRestarted: (attempts) => events.push(`restarted after ${attempts}`),
    initialDelayMs: 1,
    maxDelayMs: 4,
    ...overrides,
  });
  return {
    restarts,
    events,
    stop: () => {
      stopping = true;
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(condition()).toBe(true);
}

describe('restartDelayMs', () => {
  it('doubles from one second and stays at ten', () => {
    expect([0, 1, 2, 3, 4, 5, 60, 5000].map((a) => restartDelayMs(a))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000]);
    expect(restartDelayMs(3, 200, 5000)).toBe(1600);
  });
});

describe('ConsumerRestarts', () => {
  it('leaves a crash kafkajs restarts from to kafkajs', async () => {
    let calls = 0;
    const { restarts } = restartsOf(() => {
      calls++;
      return Promise.resolve();
    });
    restarts.crashed(true);
    expect(restarts.restarting).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(0);
  });

  it('starts a consumer again after a crash kafkajs does not restart from', async () => {
    let calls = 0;
    const { restarts, events } = restartsOf(() => {
      calls++;
      return Promise.resolve();
    });
    restarts.crashed(false);
    restarts.crashed(false); // a second crash report before the restart: still one restart
    await until(() => !restarts.restarting);
    expect(calls).toBe(1);
    expect(events).toEqual(['restarted after 1']);
  });

  it('keeps trying, with backoff, until an attempt works (the broker is still away)', async () => {
    let calls = 0;
    const { restarts, events } = restartsOf(() =>
      ++calls < 4 ? Promise.reject(new Error('Connection error: connect ECONNREFUSED')) : Promise.resolve(),
    );
    restarts.crashed(false);
    await until(() => !restarts.restarting);
    expect(events).toEqual(['failed 0', 'failed 1', 'failed 2', 'restarted after 4']);
  });

  it('goes on when the restarted consumer crashes again during the attempt, one attempt at a time', async () => {
    let calls = 0;
    let running = 0;
    let overlapped = false;
    const { restarts, events } = restartsOf(async () => {
      running++;
      overlapped ||= running > 1;
      await new Promise((r) => setTimeout(r, 3));
      // The join inside run() fails without kafkajs restarting: CRASH comes before run() returns.
      if (++calls < 3) restarts.crashed(false);
      running--;
    });
    restarts.crashed(false);
    await until(() => !restarts.restarting);
    expect(calls).toBe(3);
    expect(overlapped).toBe(false);
    expect(events).toEqual(['restarted after 3']);
  });

  it('does not restart a consumer that is being stopped, and settle() ends a waiting loop at once', async () => {
    let calls = 0;
    const { restarts, stop } = restartsOf(
      () => {
        calls++;
        return Promise.resolve();
      },
      { initialDelayMs: 60_000, maxDelayMs: 60_000 },
    );
    restarts.crashed(false);
    expect(restarts.restarting).toBe(true);
    stop();
    const t0 = Date.now();
    await restarts.settle();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(restarts.restarting).toBe(false);
    restarts.crashed(false);
    expect(restarts.restarting).toBe(false);
    expect(calls).toBe(0);
  });
});

describe('a member dropped from its group', () => {
  it('is recognised by the error kafkajs reports, or by one that caused it, and nothing else', () => {
    const dropped = Object.assign(new Error('The coordinator is not aware of this member'), { type: 'UNKNOWN_MEMBER_ID' });
    expect(lostGroupMembership(dropped)).toBe(true);
    expect(lostGroupMembership(Object.assign(new Error('rebalancing'), { type: 'REBALANCE_IN_PROGRESS' }))).toBe(true);
    expect(lostGroupMembership(new Error('batch failed', { cause: dropped }))).toBe(true);
    expect(lostGroupMembership(Object.assign(new Error('Connection is closed.'), { type: 'UNKNOWN' }))).toBe(false);
    expect(lostGroupMembership(new Error('redis away'))).toBe(false);
    expect(lostGroupMembership(undefined)).toBe(false);
  });
});
