import { Kafka, logLevel as kafkaLogLevel, type LogEntry } from 'kafkajs';
import { ServiceUnavailableError, type Logger } from '@segmentation/runtime';

// kafkajs 2.2.4 arms a timer with a negative delay whenever a response arrives unthrottled;
// Node 24 warns about it once per process (and uses 1 ms, which is what kafkajs means). Only that
// warning is dropped, so operators do not chase a harmless message.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (rest[0] === 'TimeoutNegativeWarning') return;
  (emitWarning as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
});

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
}

/** The one place that builds a kafkajs client: its log lines go through the project's logger. */
export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, retries: 8 },
    logLevel: kafkaLogLevel.WARN,
    logCreator: () => ({ level, log: entry }: LogEntry) => {
      const { message, ...fields } = entry;
      if (level <= kafkaLogLevel.ERROR) log.error('kafkajs', { message, ...fields });
      else log.warn('kafkajs', { message, ...fields });
    },
  });
}

/** Fails with a message naming Kafka and how to start it unless a metadata request succeeds. */
export async function probeKafka(brokers: string[], timeoutMs = 5000): Promise<void> {
  const kafka = new Kafka({ clientId: 'probe', brokers, connectionTimeout: timeoutMs, retry: { retries: 0 }, logLevel: kafkaLogLevel.NOTHING });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (err) {
    throw new ServiceUnavailableError('Kafka', brokers.join(','), err);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The Kafka cluster's id: state derived from a log is only meaningful against that cluster. */
export async function fetchClusterId(kafka: Kafka): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).clusterId;
  } finally {
    await admin.disconnect();
  }
}
