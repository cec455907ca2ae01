import { describe, expect, it } from 'vitest';
import { advance, ClockRollbackError, markFromMetadata, metadataForMark, PartitionClocks } from './partition-clock.ts';

describe('the partition mark in offset-commit metadata', () => {
  const t = Date.UTC(2026, 10, 23, 7, 0, 0);

  it('round-trips a watermark and a rules version, together or alone', () => {
    for (const mark of [
      { watermark: t, rulesVersion: '98985a317c63' },
      { watermark: t, rulesVersion: null },
      { watermark: null, rulesVersion: 'abc' },
    ]) {
      expect(markFromMetadata(metadataForMark(mark)!)).toEqual(mark);
    }
    expect(metadataForMark({ watermark: t, rulesVersion: 'abc' })).toBe(`watermark=${t};rules=abc`);
  });

  it('reads metadata written before rules versions were committed', () => {
    expect(markFromMetadata(`watermark=${t}`)).toEqual({ watermark: t, rulesVersion: null });
  });

  it('reads nothing from a partition never committed, or from metadata it did not write', () => {
    for (const metadata of [null, '', 'something else', 'watermark=soon', 'rules=NOT HEX']) {
      expect(markFromMetadata(metadata)).toEqual({ watermark: null, rulesVersion: null });
    }
    expect(metadataForMark({ watermark: null, rulesVersion: null })).toBeUndefined();
  });

  it('only moves forward', () => {
    expect(advance(null, 5)).toBe(5);
    expect(advance(10, 5)).toBe(10);
    expect(advance(10, 15)).toBe(15);
  });
});

describe("a partition's clock in the segmenter", () => {
  const mark = (watermark: number | null) => ({ watermark, rulesVersion: null });

  it('refuses a batch further on in the log handed a clock behind the one already reached', () => {
    const clocks = new PartitionClocks();
    clocks.completed(3, '99', mark(5_000));
    expect(() => clocks.check(3, '100', mark(4_000))).toThrow(ClockRollbackError);
    expect(() => clocks.check(3, '100', mark(null))).toThrow(ClockRollbackError);
    expect(() => clocks.check(3, '100', mark(5_000))).not.toThrow();
    expect(() => clocks.check(4, '100', mark(1))).not.toThrow(); // another partition
  });

  it('lets a redelivered batch (a failed commit, a rebalance) start again from its older committed clock', () => {
    const clocks = new PartitionClocks();
    clocks.completed(0, '199', mark(9_000));
    expect(() => clocks.check(0, '150', mark(7_000))).not.toThrow();
    clocks.completed(0, '199', mark(9_000));
    expect(() => clocks.check(0, '200', mark(9_000))).not.toThrow();
  });
});
