import type { Kafka as KafkaJs } from 'kafkajs';

// The connection to the cluster as the rest of the code base sees it: a value it passes to this
// package's functions, with nothing of the client library in its type. Only this package's own
// modules reach the library's object behind it (clientOf, not exported from index.ts), so a later
// change of client touches this package alone.

declare const connection: unique symbol;

/** A connection to the Kafka cluster, made by createKafka and used through this package's functions. */
export interface Kafka {
  readonly [connection]: 'Kafka';
}

/** The client library's object behind a connection: for this package's modules only. */
export const clientOf = (kafka: Kafka): KafkaJs => kafka as unknown as KafkaJs;

/** A connection around the client library's object. */
export const connectionOf = (client: KafkaJs): Kafka => client as unknown as Kafka;
