// A feed of sample orders into the source `orders` topic, through the Schema Registry, so the
// start command shows events moving through every hop. Usage: node sample-feed.ts [count] [interval-ms]
import { avroSchemas, topicNames, valueSubject } from '@segmentation/contracts';
import { AvroCodec, createKafka, ReliableProducer } from '@segmentation/kafka';
import { createLogger } from '@segmentation/runtime';
import { loadConfig } from './config.ts';
import { sampleOrder } from './sample-orders.ts';

const count = Number(process.argv[2] ?? 50);
const intervalMs = Number(process.argv[3] ?? 2000);
const config = loadConfig();
const logger = createLogger({ service: 'sample-feed' }, config.LOG_LEVEL);
const topics = topicNames(config.TOPIC_PREFIX);
const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
const schemaId = await codec.register(valueSubject(topics.orders), avroSchemas.order);
const producer = new ReliableProducer(createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'sample-feed' }, logger));
await producer.connect();
for (let n = 0; n < count; n++) {
  const order = sampleOrder(n, Date.now());
  await producer.send(topics.orders, [{ key: order.customerId, value: codec.encode(schemaId, avroSchemas.order, order) }]);
  logger.info('sample_order_sent', { customerId: order.customerId, orderId: order.orderId, amount: order.amount, currency: order.currency });
  if (n < count - 1) await new Promise((r) => setTimeout(r, intervalMs));
}
await producer.disconnect();
