// Exits 0 when a Kafka metadata request to the given brokers succeeds (used by infra/stack.sh).
import { probeKafka } from '../client.ts';

const brokers = (process.argv[2] ?? '127.0.0.1:9092').split(',');
try {
  await probeKafka(brokers, 2000);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
