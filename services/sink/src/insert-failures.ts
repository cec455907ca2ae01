import { classifyClickHouseError } from '@segmentation/clickhouse';

/** What a failed insert means for the sink: wait and retry, dead-letter the rows, or stop. */
export function classifyInsertFailure(err: unknown): 'retry' | 'reject' | 'fail' {
  const kind = classifyClickHouseError(err);
  return kind === 'retriable' ? 'retry' : kind === 'bad_data' ? 'reject' : 'fail';
}
