import type { DeadLetterReason } from '@segmentation/contracts';
import type { ConsumedMessage } from './batch-consumer.ts';
import type { OutgoingMessage, ReliableProducer } from './producer.ts';

export interface DeadLetterCause {
  reason: DeadLetterReason;
  message: string;
  /** The processing step that refused the message, e.g. decode, validate. */
  step: string;
  /** The stage (role) that consumed it, e.g. ingest, segmenter. */
  stage: string;
  /** More detail as headers, e.g. the ClickHouse error code of a row the sink could not insert. */
  headers?: Record<string, string>;
}

/**
 * A dead-lettered copy of a message: the original key, value and headers, plus why, in headers
 * named as Kafka Connect names them (`__connect.errors.*`), so existing tooling can read them.
 */
export function deadLetterMessage(original: ConsumedMessage, cause: DeadLetterCause, now: Date): OutgoingMessage {
  const headers: Record<string, string | Buffer | Array<string | Buffer>> = {};
  for (const [k, v] of Object.entries(original.headers)) if (v !== undefined) headers[k] = v;
  Object.assign(headers, {
    '__connect.errors.topic': original.topic,
    '__connect.errors.partition': String(original.partition),
    '__connect.errors.offset': original.offset,
    '__connect.errors.stage': cause.stage,
    '__connect.errors.class.name': cause.step,
    '__connect.errors.exception.class.name': cause.reason,
    '__connect.errors.exception.message': cause.message,
    '__connect.errors.timestamp': String(now.getTime()),
    ...cause.headers,
  });
  return { key: original.key, value: original.value, headers };
}

export async function sendToDeadLetter(
  producer: ReliableProducer,
  topic: string,
  items: Array<{ message: ConsumedMessage; cause: DeadLetterCause }>,
  now = new Date(),
): Promise<void> {
  await producer.send(
    topic,
    items.map(({ message, cause }) => deadLetterMessage(message, cause, now)),
  );
}
