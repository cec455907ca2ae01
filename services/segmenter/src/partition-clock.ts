// Where a `customer-events` partition stands besides its offset: its event-time watermark (the latest
// event time among the records applied so far, the segmenter's only clock: DESIGN.md invariant 7)
// and the rules version in force there (the last control record reached: invariant 9). Both must
// follow the offset exactly, so they are committed as the offset's metadata,
// `watermark=<epoch ms>;rules=<version>`, and restored from it when the partition is assigned
// (after a restart or a rebalance), never from the wall clock or a local file.

export interface PartitionMark {
  watermark: number | null;
  /** null: no control record reached yet; the first version ever applied is in force. */
  rulesVersion: string | null;
}

/** The mark committed with an offset; nulls for a partition never committed or metadata we did not write. */
export function markFromMetadata(metadata: string | null): PartitionMark {
  const fields = new Map((metadata ?? '').split(';').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as const));
  const watermark = Number(fields.get('watermark') ?? Number.NaN);
  const rules = fields.get('rules');
  return { watermark: Number.isSafeInteger(watermark) ? watermark : null, rulesVersion: rules && /^[0-9a-f]+$/.test(rules) ? rules : null };
}

export function metadataForMark(mark: PartitionMark): string | undefined {
  const fields = [
    ...(mark.watermark === null ? [] : [`watermark=${mark.watermark}`]),
    ...(mark.rulesVersion === null ? [] : [`rules=${mark.rulesVersion}`]),
  ];
  return fields.length === 0 ? undefined : fields.join(';');
}

/** A record's event time moves the watermark forward only: late events never turn the clock back. */
export const advance = (watermark: number | null, eventTime: number): number =>
  watermark === null ? eventTime : Math.max(watermark, eventTime);

/** A partition's clock handed to a batch behind the one it already reached, the log not rolled back. */
export class ClockRollbackError extends Error {
  constructor(partition: number, from: number, to: number) {
    super(
      `partition ${partition}: the committed watermark ${new Date(to).toISOString()} is behind ${new Date(from).toISOString()}, which this segmenter already reached at an earlier offset; refusing to turn the clock back`,
    );
    this.name = 'ClockRollbackError';
  }
}

/**
 * Guards invariant 7 in the segmenter: a partition's watermark never decreases while its log moves
 * forward. A batch that starts at or after the offset where this process's last batch of the
 * partition ended must be handed a watermark at least as late as the one that batch reached. A
 * batch that starts earlier is a redelivery (a commit that failed, a rebalance), whose older
 * committed clock is the designed way back.
 */
export class PartitionClocks {
  private readonly reached = new Map<number, { nextOffset: bigint; watermark: number }>();

  check(partition: number, firstOffset: string, mark: PartitionMark): void {
    const last = this.reached.get(partition);
    if (last === undefined || BigInt(firstOffset) < last.nextOffset) return;
    if (mark.watermark === null || mark.watermark < last.watermark)
      throw new ClockRollbackError(partition, last.watermark, mark.watermark ?? 0);
  }

  completed(partition: number, lastOffset: string, mark: PartitionMark): void {
    if (mark.watermark !== null) this.reached.set(partition, { nextOffset: BigInt(lastOffset) + 1n, watermark: mark.watermark });
  }
}
