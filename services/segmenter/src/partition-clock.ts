// The partition's event-time watermark (DESIGN.md invariant 7): the latest event time among the
// records of one `customer-events` partition applied so far. It is the segmenter's only clock, so it
// must follow the partition's offset exactly: it is committed as the offset's metadata and restored
// from it when the partition is assigned (after a restart or a rebalance), never from the wall clock.

const PREFIX = 'watermark=';

/** The watermark committed with an offset, or null when none was (a partition never consumed). */
export function watermarkFromMetadata(metadata: string | null): number | null {
  if (metadata === null || !metadata.startsWith(PREFIX)) return null;
  const value = Number(metadata.slice(PREFIX.length));
  return Number.isSafeInteger(value) ? value : null;
}

export function metadataForWatermark(watermark: number | null): string | undefined {
  return watermark === null ? undefined : `${PREFIX}${watermark}`;
}

/** A record's event time moves the watermark forward only: late events never turn the clock back. */
export const advance = (watermark: number | null, eventTime: number): number => (watermark === null ? eventTime : Math.max(watermark, eventTime));
