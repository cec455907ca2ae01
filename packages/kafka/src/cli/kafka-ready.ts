// Exits 0 when a Kafka metadata request to the given brokers succeeds (used by infra/stack.sh).
import { z } from 'zod';
import { kafkaSecuritySettings } from '@segmentation/contracts';
import { parseConfig } from '@segmentation/runtime';
import { kafkaSecurity, probeKafka } from '../client.ts';

const brokers = (process.argv[2] ?? '127.0.0.1:9092').split(',');
try {
  // A broker that wants SASL is probed with the credentials the environment gives.
  await probeKafka(brokers, 2000, kafkaSecurity(parseConfig(z.object(kafkaSecuritySettings()), process.env)));
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
