import { randomUUID } from 'node:crypto';
import { avroSchemas, valueSubject, type ConsoleAuditRecord } from '@segmentation/contracts';
import type { AvroCodec, ReliableProducer } from '@segmentation/kafka';

/** What the console records about one action; the trail adds the id and the time. */
export type AuditEntry = Omit<ConsoleAuditRecord, 'auditId' | 'at'>;

/** The console's audit trail: who opened which customer, who changed what (PIPL asks). */
export interface AuditTrail {
  /** Resolves once the record is durable; the console shows or changes nothing it could not record. */
  record(entry: AuditEntry): Promise<void>;
}

/** The trail on its Kafka topic (`console-audit`, Avro `ConsoleAudit`), keyed by the user's name. */
export function kafkaAuditTrail(
  deps: { producer: ReliableProducer; codec: AvroCodec },
  topic: string,
  options: { timeoutMs?: number; now?: () => number } = {},
): AuditTrail {
  const now = options.now ?? Date.now;
  let schemaId: Promise<number> | undefined;
  return {
    // The producer retries for as long as the broker is away: the person gets an answer (503) after
    // the timeout instead of a page that hangs; the record may still arrive later, which overstates
    // what was seen, never understates it.
    record: (entry) => withTimeout(write(entry), options.timeoutMs ?? 10_000),
  };

  async function write(entry: AuditEntry): Promise<void> {
    schemaId ??= deps.codec.register(valueSubject(topic), avroSchemas.consoleAudit);
    const id = await schemaId.catch((err: unknown) => {
      schemaId = undefined; // a registry that was away is asked again next time
      throw err;
    });
    const record: ConsoleAuditRecord = { auditId: randomUUID(), at: now(), ...entry };
    await deps.producer.send(topic, [{ key: entry.user, value: deps.codec.encode(id, avroSchemas.consoleAudit, record) }]);
  }
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AuditUnavailableError(`the audit trail (Kafka) did not acknowledge within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The audit trail could not be written: what needed recording is refused. */
export class AuditUnavailableError extends Error {
  override name = 'AuditUnavailableError';
}
