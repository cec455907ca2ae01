import { readFileSync } from 'node:fs';
import { Kafka as KafkaJs, logLevel as kafkaLogLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { clientOf, connectionOf, type Kafka } from './kafka-client.ts';
import { ServiceUnavailableError, type Logger } from '@segmentation/runtime';

// kafkajs 2.2.4 arms a timer with a negative delay whenever a response arrives unthrottled;
// Node 24 warns about it once per process (and uses 1 ms, which is what kafkajs means). Only that
// warning is dropped, so operators do not chase a harmless message.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
  if (rest[0] === 'TimeoutNegativeWarning') return;
  (emitWarning as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
};

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  security?: KafkaSecurity;
}

/** How a client authenticates and whether it uses TLS (the KAFKA_SASL_* and KAFKA_TLS* settings). */
export interface KafkaSecurity {
  sasl?: { mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain'; username: string; password: string };
  tls?: { caFile?: string };
}

/** The security of validated settings (checkKafkaSecurity made sure SASL has its user and password). */
export function kafkaSecurity(c: {
  KAFKA_SASL_MECHANISM?: 'scram-sha-256' | 'scram-sha-512' | 'plain';
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
  KAFKA_TLS?: boolean;
  KAFKA_TLS_CA_FILE?: string;
}): KafkaSecurity {
  return {
    sasl:
      c.KAFKA_SASL_MECHANISM && c.KAFKA_SASL_USERNAME && c.KAFKA_SASL_PASSWORD
        ? { mechanism: c.KAFKA_SASL_MECHANISM, username: c.KAFKA_SASL_USERNAME, password: c.KAFKA_SASL_PASSWORD }
        : undefined,
    tls: c.KAFKA_TLS ? { caFile: c.KAFKA_TLS_CA_FILE } : undefined,
  };
}

function connectionOptions(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const tls = security?.tls;
  return {
    ssl: tls === undefined ? undefined : tls.caFile === undefined ? true : { ca: [readFileSync(tls.caFile, 'utf8')] },
    sasl: security?.sasl as KafkaConfig['sasl'], // one object for the three mechanisms; kafkajs types them as a union
  };
}

/** The one place that builds a kafkajs client: its log lines go through the project's logger. */
export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return connectionOf(
    new KafkaJs({
      clientId: settings.clientId,
      brokers: settings.brokers,
      ...connectionOptions(settings.security),
      connectionTimeout: 3000,
      retry: { initialRetryTime: 200, retries: 8 },
      logLevel: kafkaLogLevel.WARN,
      logCreator:
        () =>
        ({ level, log: entry }: LogEntry) => {
          const { message, ...fields } = entry;
          if (level <= kafkaLogLevel.ERROR) log.error('kafkajs', { message, ...fields });
          else log.warn('kafkajs', { message, ...fields });
        },
    }),
  );
}

/** Fails with a message naming Kafka and how to start it unless a metadata request succeeds. */
export async function probeKafka(brokers: string[], timeoutMs = 5000, security?: KafkaSecurity): Promise<void> {
  const kafka = new KafkaJs({
    clientId: 'probe',
    brokers,
    connectionTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: kafkaLogLevel.NOTHING,
    ...connectionOptions(security),
  });
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
  const admin = clientOf(kafka).admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).clusterId;
  } finally {
    await admin.disconnect();
  }
}
