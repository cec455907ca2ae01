// Erases customers (a contract ended, or a deletion request under PIPL and similar laws;
// docs/operations.md, "Customer erasure"):
//   pnpm erase-customer <customer id>... --reason REF --yes [--by NAME] [--wait SECONDS]
// Puts them on the erasure list (`customer-erasures`). The running pipeline then removes them: the
// segmenter their state and timers in Redis, the sink their rows in ClickHouse; ingest, the
// segmenter, the sink and a state rebuild skip anything of theirs from then on. The command waits
// (default 60 s) until Redis no longer holds them and, with a ClickHouse server, until the sink has
// recorded their erasure; with the embedded engine the running sink's log says when
// (customers_erased_from_clickhouse). Settings as for the pipeline.
import { hostname, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { connectClickHouse } from '@segmentation/clickhouse';
import { topicNames } from '@segmentation/contracts';
import { AvroCodec, createKafka, customerErasuresTopic, ensureTopics, kafkaSecurity, ReliableProducer } from '@segmentation/kafka';
import { requestErasure } from '@segmentation/erasure';
import { ConfigError, createLogger, runCommand } from '@segmentation/runtime';
import { customerKey } from '@segmentation/state';
import { connectConfiguredRedis, loadConfig } from './config.ts';
import { clickHouseTarget } from './pipeline.ts';

const USAGE = 'usage: pnpm erase-customer <customer id>... --reason REF --yes [--by NAME] [--wait SECONDS]';

await runCommand('erase-customer', async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { reason: { type: 'string' }, by: { type: 'string' }, yes: { type: 'boolean' }, wait: { type: 'string', default: '60' } },
  });
  const ids = [...new Set(positionals.map((id) => id.trim()).filter(Boolean))];
  if (ids.length === 0) throw new ConfigError(`name at least one customer id\n${USAGE}`);
  if (!values.reason)
    throw new ConfigError(
      `--reason is required: a reference such as a ticket number (kept on the erasure list; no personal data)\n${USAGE}`,
    );
  const waitSeconds = Number(values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new ConfigError(`--wait must be a number of seconds, got "${values.wait}"`);
  const config = loadConfig();
  if (!values.yes) {
    throw new ConfigError(
      `this permanently erases ${ids.join(', ')} from the pipeline under TOPIC_PREFIX=${config.TOPIC_PREFIX || '(none)'} (Redis state, ClickHouse rows; nothing of theirs is applied again). Run again with --yes`,
    );
  }
  const topics = topicNames(config.TOPIC_PREFIX);
  const logger = createLogger({ service: 'erase-customer' }, 'warn');
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'erase-customer', security: kafkaSecurity(config) }, logger);
  const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  await ensureTopics(kafka, [customerErasuresTopic(topics.customerErasures)]);
  const producer = new ReliableProducer(kafka);
  await producer.connect();
  try {
    await requestErasure({ producer, codec }, topics.customerErasures, ids, {
      requestedBy: values.by ?? `${userInfo().username}@${hostname()}`,
      reason: values.reason,
      requestedAt: Date.now(),
    });
  } finally {
    await producer.disconnect();
  }
  console.log(`on the erasure list: ${ids.join(', ')}`);

  const deadline = Date.now() + waitSeconds * 1000;
  const until = async (done: () => Promise<boolean>): Promise<boolean> => {
    for (;;) {
      if (await done()) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const redis = await connectConfiguredRedis(config);
  try {
    const gone = await until(async () => (await redis.exists(...ids.map((id) => customerKey(config.REDIS_KEY_PREFIX, id)))) === 0);
    console.log(
      gone
        ? 'Redis: their state is removed'
        : `Redis: their state is still there after ${waitSeconds} s; a running segmenter removes it (or the next one, when it starts)`,
    );
  } finally {
    redis.disconnect();
  }
  const target = clickHouseTarget(config);
  if (target.kind === 'embedded') {
    console.log('ClickHouse (embedded): the running sink deletes their rows; its log says customers_erased_from_clickhouse when done');
    return;
  }
  const clickhouse = await connectClickHouse(target);
  try {
    const done = await until(async () => {
      const r = await (
        await clickhouse.query({
          query: 'SELECT count() AS n FROM customer_erasures FINAL WHERE customer_id IN {ids:Array(String)}',
          format: 'JSONEachRow',
          query_params: { ids },
        })
      ).json<{ n: string }>();
      return Number(r[0]?.n) === ids.length;
    });
    console.log(
      done
        ? 'ClickHouse: their rows are deleted'
        : `ClickHouse: not done after ${waitSeconds} s; a running sink deletes their rows (or the next one, when it starts)`,
    );
  } finally {
    await clickhouse.close();
  }
});
