// Re-drive dead-lettered messages to their source topic after a fix:
//   pnpm redrive <dead-letter-topic> [--reason unknown_currency,...] [--since ISO] [--until ISO] [--dry-run]
// Kafka from KAFKA_BROKERS (default 127.0.0.1:9092). Messages already re-driven are never sent twice.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { deadLetterReasons, kafkaSecuritySettings } from '@segmentation/contracts';
import { createKafka, kafkaSecurity, ReliableProducer } from '@segmentation/kafka';
import { createLogger, listSetting, parseConfig, runCommand } from '@segmentation/runtime';
import { redrive } from './redrive.ts';

await runCommand('redrive', async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { reason: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  });
  const isoTime = z.iso.datetime({ offset: true }).transform((v) => Date.parse(v));
  const options = parseConfig(
    z.object({
      topic: z.string().regex(/\.dlq$/, 'must be a dead-letter topic (ending in .dlq)'),
      reason: listSetting.pipe(z.array(z.enum(Object.keys(deadLetterReasons) as [keyof typeof deadLetterReasons]))).default([]),
      since: isoTime.optional(),
      until: isoTime.optional(),
      KAFKA_BROKERS: listSetting.default(['127.0.0.1:9092']),
      ...kafkaSecuritySettings(),
    }),
    { ...process.env, topic: positionals[0], reason: values.reason, since: values.since, until: values.until },
  );

  const logger = createLogger({ service: 'redrive' }, 'warn');
  const kafka = createKafka({ brokers: options.KAFKA_BROKERS, clientId: 'redrive', security: kafkaSecurity(options) }, logger);
  const producer = new ReliableProducer(kafka);
  await producer.connect();
  try {
    const report = await redrive(
      kafka,
      producer,
      options.topic,
      { reasons: options.reason, since: options.since, until: options.until },
      values['dry-run'] ?? false,
    );
    console.log(JSON.stringify({ deadLetterTopic: options.topic, dryRun: values['dry-run'] ?? false, ...report }, null, 2));
  } finally {
    await producer.disconnect();
  }
});
