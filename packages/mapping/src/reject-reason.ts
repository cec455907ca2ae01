import type { DeadLetterReason } from '@segmentation/contracts';

/**
 * Why a row or a source message was refused: the fixed list ingest dead-letters with
 * (packages/contracts/src/dead-letter.ts), plus one only a mapped source can have.
 */
export type RejectReason = DeadLetterReason | 'no_earlier_row';
export const importOnlyReasons = {
  no_earlier_row:
    'an update row leaves out a field of its order, shipment or complaint, and no earlier row of it (in this run or an earlier import) gives it',
} as const;
