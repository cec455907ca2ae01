// Why a message was dead-lettered: a fixed list, so alerting and re-drive can filter on it.
export const deadLetterReasons = {
  undecodable: 'the value is not Avro in the Confluent wire format (garbage, wrong magic byte, truncated body)',
  unknown_schema: 'the schema id in the message is not in the Schema Registry',
  schema_mismatch: "the message was written with a schema that cannot be read as this topic's contract",
  oversized: 'the message is larger than the configured maximum',
  missing_key: 'the message has no key (the customer id)',
  invalid_value: 'a field breaks the contract (see the message for which)',
  unknown_currency: 'the amount is in a currency the rate table does not know',
  future_event_time: 'the event time is further in the future than the allowed skew',
  duplicate: 'an event id already applied to this customer, seen again at another position',
  invalid_rules: 'a rules control record whose rules do not validate (the rules in force stay in force)',
  clickhouse_rejected: 'ClickHouse refused the row for good (its error code is in segmentation.errors.clickhouse.code)',
  processing_failed:
    'the role failed on this one record again and again while the records around it went through (a bug or a value no code path expected): it was skipped; the error class and message are in the headers',
  undeliverable:
    'a receiver of the notifier refused the alert for good or kept failing (its name in segmentation.errors.receiver, its HTTP status in segmentation.errors.status)',
} as const;

export type DeadLetterReason = keyof typeof deadLetterReasons;

/** The result of one processing step: a value to go on with, or a reason to dead-letter. */
export type StepResult<T> = { ok: true; value: T } | { ok: false; reason: DeadLetterReason; message: string };

export const ok = <T>(value: T): StepResult<T> => ({ ok: true, value });
export const deadLetter = (reason: DeadLetterReason, message: string): StepResult<never> => ({ ok: false, reason, message });
