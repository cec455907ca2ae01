import { describe, expect, it } from 'vitest';
import { advance, metadataForWatermark, watermarkFromMetadata } from './partition-clock.ts';

describe('the partition clock in offset-commit metadata', () => {
  it('round-trips a watermark', () => {
    const t = Date.UTC(2026, 10, 23, 7, 0, 0);
    expect(watermarkFromMetadata(metadataForWatermark(t)!)).toBe(t);
  });

  it('reads no watermark from a partition never committed, or from metadata it did not write', () => {
    expect(watermarkFromMetadata(null)).toBeNull();
    expect(watermarkFromMetadata('')).toBeNull();
    expect(watermarkFromMetadata('something else')).toBeNull();
    expect(watermarkFromMetadata('watermark=soon')).toBeNull();
    expect(metadataForWatermark(null)).toBeUndefined();
  });

  it('only moves forward', () => {
    expect(advance(null, 5)).toBe(5);
    expect(advance(10, 5)).toBe(10);
    expect(advance(10, 15)).toBe(15);
  });
});
