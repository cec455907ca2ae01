// Secrets never reach the logs. The whole pipeline runs as a process (every role, real services)
// with a secret in every setting that takes one: the console's token, a Redis password, a ClickHouse
// password, the Schema Registry's password (behind a proxy demanding it), a DingTalk robot's URL
// token and 加签 secret, a webhook's HMAC key. Then the paths that
// are tempted to log them run: API calls with right and wrong tokens, traffic through every role,
// and receivers that fail, retry and refuse while echoing the request (URL, headers, body) back in
// their answers. Finally its whole log is searched for every secret.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aChurnAlert, anOrder, avroSchemas, topicNames, valueSubject } from '@segmentation/contracts';
import { AvroCodec, createKafka, ReliableProducer } from '@segmentation/kafka';
import { createLogger } from '@segmentation/runtime';
import { deleteTopicsWithPrefix } from './harness/kafka-state.ts';
import { PipelineProcesses, type PipelineProcess } from './harness/pipeline-processes.ts';
import { startRedisServer, type RedisServerHandle } from './harness/redis-server.ts';
import { startRegistryProxy, type RegistryProxy } from './harness/registry-proxy.ts';
import { runEnv } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('secrets');
const topics = topicNames(`${run}.`);
const logger = createLogger({ service: 'secret-free-logs-test' }, 'warn');

const secrets = {
  consoleToken: `console-${uniqueName('tok')}`,
  redisPassword: `redis-${uniqueName('pw')}`,
  clickhousePassword: `clickhouse-${uniqueName('pw')}`,
  registryPassword: `registry-${uniqueName('pw')}`,
  dingtalkToken: `dingtalk-${uniqueName('tok')}`,
  dingtalkSecret: `SEC-${uniqueName('dt')}`,
  webhookSecret: `hmac-${uniqueName('key')}`,
};

let redis: RedisServerHandle;
let registry: RegistryProxy;
let receiver: Server;
let receiverUrl: string;
const processes = new PipelineProcesses();
let pipeline: PipelineProcess;
let producer: ReliableProducer;
let codec: AvroCodec;

/** A hostile receiver: fails, then refuses, each time quoting the whole request back. */
async function startEchoingReceiver(): Promise<void> {
  let n = 0;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      n++;
      const echo = JSON.stringify({ url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(n % 2 === 1 ? 500 : 400, { 'content-type': 'application/json' }).end(echo);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  receiverUrl = `http://127.0.0.1:${address.port}`;
}

beforeAll(async () => {
  redis = await startRedisServer({ password: secrets.redisPassword });
  registry = await startRegistryProxy(services.schemaRegistryUrl, 'segmentation', secrets.registryPassword);
  await startEchoingReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'secret-free-logs-'));
  const notifierFile = join(dir, 'notifier.yaml');
  writeFileSync(
    notifierFile,
    `
receivers:
  - { name: dingtalk-ops, type: dingtalk, url: "${receiverUrl}/robot/send?access_token=\${DT_TOKEN}", secret: "\${DT_SECRET}" }
  - { name: ops-webhook, type: webhook, url: "${receiverUrl}/hook", secret: "\${HOOK_SECRET}" }
routes:
  - receivers: [dingtalk-ops, ops-webhook]
retry: { attempts: 3, initialMs: 50, maxMs: 200 }
`,
  );
  pipeline = processes.start('pipeline', {
    ...runEnv(services, run),
    ROLES: 'all',
    LOG_LEVEL: 'info',
    OPS_PORT: '0',
    REDIS_URL: redis.url,
    SCHEMA_REGISTRY_URL: registry.urlWith('segmentation', secrets.registryPassword),
    CONSOLE_TOKEN: secrets.consoleToken,
    CLICKHOUSE_PATH: join(dir, 'clickhouse'),
    CLICKHOUSE_PASSWORD: secrets.clickhousePassword,
    NOTIFIER_FILE: notifierFile,
    DT_TOKEN: secrets.dingtalkToken,
    DT_SECRET: secrets.dingtalkSecret,
    HOOK_SECRET: secrets.webhookSecret,
  });
  codec = new AvroCodec(services.schemaRegistryUrl);
  producer = new ReliableProducer(createKafka({ brokers: services.kafkaBrokers, clientId: 'secret-free-logs-test' }, logger));
  await producer.connect();
}, 180_000);

afterAll(async () => {
  await processes.stopAll();
  await producer?.disconnect();
  await new Promise((resolve) => receiver?.close(resolve));
  await redis?.remove();
  await registry?.close();
  await deleteTopicsWithPrefix(createKafka({ brokers: services.kafkaBrokers, clientId: 'secret-free-logs-cleanup' }, logger), run);
});

const logText = () => readFileSync(pipeline.log, 'utf8');

describe('the logs of a run', () => {
  it('hold no secret, although every path that could leak one ran', async () => {
    const consoleUrl = await processes.guard(
      waitFor('the console', () => /"event":"console_started".*?"url":"([^"]+)"/.exec(logText())?.[1], 90_000),
    );
    await processes.guard(waitFor('the pipeline ready', async () => (await fetch(`${consoleUrl}readyz`)).ok || undefined, 90_000));

    // The console: right token, wrong tokens, a token where it does not belong.
    expect((await fetch(`${consoleUrl}api/segment-sizes`, { headers: { authorization: `Bearer ${secrets.consoleToken}` } })).status).toBe(
      200,
    );
    expect((await fetch(`${consoleUrl}api/segment-sizes`, { headers: { authorization: `Bearer ${secrets.consoleToken}x` } })).status).toBe(
      401,
    );
    expect((await fetch(`${consoleUrl}api/customers/${secrets.consoleToken}?token=${secrets.consoleToken}`)).status).toBe(401);

    // Traffic through ingest, the segmenter (Redis with its password) and the sink.
    const orderSchema = await codec.register(valueSubject(topics.orders), avroSchemas.order);
    const customerId = uniqueName('C');
    await producer.send(topics.orders, [
      { key: customerId, value: codec.encode(orderSchema, avroSchemas.order, anOrder({ customerId, amount: 3000, currency: 'USD' })) },
    ]);
    await processes.guard(
      waitFor('the order stored in ClickHouse', () => logText().includes('"event":"rows_stored"') || undefined, 60_000),
    );

    // An alert the receivers fail on, retry, then refuse: dead-lettered, every answer quoting the request.
    const dead = await TopicReader.open(services.kafkaBrokers, topics.churnAlertsDeadLetter);
    try {
      const alertSchema = await codec.register(valueSubject(topics.churnAlerts), avroSchemas.churnAlert);
      const alert = aChurnAlert({ customerId, sequence: 1, level: 'critical', eventTime: Date.now() });
      await producer.send(topics.churnAlerts, [{ key: customerId, value: codec.encode(alertSchema, avroSchemas.churnAlert, alert) }]);
      const records = await processes.guard(dead.waitForMessages(2, () => true, 60_000));
      for (const r of records) {
        const text = `${r.value?.toString('utf8') ?? ''} ${JSON.stringify(r.headers, (_, v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : v))}`;
        for (const [name, secret] of Object.entries(secrets)) expect(text.includes(secret), `${name} in a dead-letter record`).toBe(false);
      }
    } finally {
      await dead.close();
    }

    await pipeline.stop();
    const log = logText();
    expect(log).toContain('"event":"alert_undeliverable"'); // the failing paths did run
    expect(log).toContain('"event":"alert_delivery_failed"');
    expect(registry.seen.forwarded).toBeGreaterThan(0); // the pipeline reached the registry with its password
    for (const [name, secret] of Object.entries(secrets)) expect(log.includes(secret), `${name} in the log`).toBe(false);
  });
});
