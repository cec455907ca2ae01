import { describe, expect, it } from 'vitest';
import { calibrationNote, remainingRecords, waitForConsumption, type CalibrationTiming, type GroupLook } from './population-calibration.ts';

const ends = new Map([
  [0, 100n],
  [1, 40n],
  [2, 0n],
]);
const timing: CalibrationTiming = { waitMs: 60_000, pollMs: 1_000, noSegmenterMs: 5_000 };

/** A clock that moves only when the wait pauses: the loop's decisions, without waiting for real. */
function fakeClock() {
  let now = 0;
  return {
    now: () => now,
    pause: (ms: number) => {
      now += ms;
      return Promise.resolve();
    },
  };
}

/** The group as seen at successive looks (the last one repeats). */
function looks(...seen: Array<[committed: Array<[number, bigint]>, members: number]>): () => Promise<GroupLook> {
  let i = 0;
  return () => {
    const [committed, members] = seen[Math.min(i++, seen.length - 1)]!;
    return Promise.resolve({ committed: new Map(committed), members });
  };
}

describe('remainingRecords', () => {
  it('counts, per partition, the records between the committed offset and the end the load left', () => {
    expect(
      remainingRecords(
        ends,
        new Map([
          [0, 90n],
          [1, 40n],
          [2, 0n],
        ]),
      ),
    ).toBe(10);
    // No commit yet (-1, or absent): the whole partition, from the beginning the log keeps.
    expect(remainingRecords(ends, new Map([[0, -1n]]))).toBe(140);
    // Past the load's end (records written since): nothing left of the load.
    expect(
      remainingRecords(
        ends,
        new Map([
          [0, 250n],
          [1, 41n],
        ]),
      ),
    ).toBe(0);
  });
});

describe('waitForConsumption', () => {
  it('ends as soon as the committed offsets reach the ends, reporting progress until then', async () => {
    const progress: Array<[number, number]> = [];
    const result = await waitForConsumption(
      ends,
      looks(
        [[[0, 10n]], 1],
        [
          [
            [0, 60n],
            [1, 40n],
          ],
          1,
        ],
        [
          [
            [0, 100n],
            [1, 40n],
          ],
          1,
        ],
      ),
      timing,
      (r, t) => progress.push([r, t]),
      fakeClock(),
    );
    expect(result).toEqual({ consumed: true });
    expect(progress).toEqual([
      [130, 130],
      [40, 130],
    ]);
  });

  it('gives up when the group has had no member for noSegmenterMs, saying how much is left', async () => {
    const clock = fakeClock();
    const result = await waitForConsumption(ends, looks([[], 0]), timing, () => undefined, clock);
    expect(result).toEqual({ consumed: false, reason: 'no_segmenter', remaining: 140 });
    expect(clock.now()).toBe(timing.noSegmenterMs);
  });

  it('waits for a segmenter that joins within noSegmenterMs', async () => {
    const result = await waitForConsumption(
      ends,
      looks(
        [[], 0],
        [[], 0],
        [[], 1],
        [
          [
            [0, 100n],
            [1, 40n],
          ],
          1,
        ],
      ),
      timing,
      () => undefined,
      fakeClock(),
    );
    expect(result).toEqual({ consumed: true });
  });

  it('stops at waitMs when a running segmenter has not caught up', async () => {
    const clock = fakeClock();
    const result = await waitForConsumption(ends, looks([[[0, 50n]], 2]), timing, () => undefined, clock);
    expect(result).toEqual({ consumed: false, reason: 'timed_out', remaining: 90 });
    expect(clock.now()).toBe(timing.waitMs);
  });

  it('needs no look but one when nothing was loaded', async () => {
    let seen = 0;
    const result = await waitForConsumption(
      new Map(),
      () => {
        seen++;
        return Promise.resolve({ committed: new Map(), members: 0 });
      },
      timing,
      () => undefined,
      fakeClock(),
    );
    expect(result).toEqual({ consumed: true });
    expect(seen).toBe(1);
  });
});

describe('calibrationNote', () => {
  it('says the version came from the automatic calibration, from how many customers, and how to undo it', () => {
    expect(calibrationNote('an import of 1,800 events', 600, 'abc123')).toBe(
      'automatic calibration after an import of 1,800 events: population thresholds from 600 customers (base abc123); `pnpm rules restore abc123` puts the previous thresholds back',
    );
  });
});
