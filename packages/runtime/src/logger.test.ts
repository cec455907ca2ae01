import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { createLogger, REDACTED, type LogLevel } from './logger.ts';

/** A logger writing into an array, and the lines it wrote parsed back. */
function capture(base: Record<string, unknown> = { service: 'segmenter' }, level: LogLevel = 'info') {
  const lines: string[] = [];
  // The writer's type comes from process.stdout.write, so it answers a boolean.
  const logger = createLogger(base, level, (line) => {
    lines.push(line);
    return true;
  });
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

describe('createLogger', () => {
  it('writes one JSON line per event, with the event name, level, time, base and fields', () => {
    const { logger, lines, records } = capture();
    logger.info('orders_forwarded', { partition: 3, count: 12 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const [record] = records();
    expect(record).toMatchObject({ level: 'info', service: 'segmenter', event: 'orders_forwarded', partition: 3, count: 12 });
    expect(Number.isNaN(Date.parse(String(record?.time)))).toBe(false);
    // The event before the line's own fields: log searches match `"event":"console_started".*"url"`.
    expect(Object.keys(record!)).toEqual(['level', 'time', 'service', 'event', 'partition', 'count']);
  });

  it('labels each level', () => {
    const { logger, records } = capture();
    logger.info('a');
    logger.warn('b');
    logger.error('c');
    expect(records().map((r) => [r.level, r.event])).toEqual([
      ['info', 'a'],
      ['warn', 'b'],
      ['error', 'c'],
    ]);
  });

  it.each<[LogLevel, string[]]>([
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
    ['silent', []],
  ])('at level %s writes only %j', (level, written) => {
    const { logger, records } = capture({}, level);
    logger.info('e');
    logger.warn('e');
    logger.error('e');
    expect(records().map((r) => r.level)).toEqual(written);
  });

  it("gives a child its own fields on top of the parent's, and leaves the parent as it was", () => {
    const { logger, records } = capture({ service: 'ingest' });
    const child = logger.child({ partition: 5 });
    child.info('batch_done');
    logger.info('parent_event');
    const [fromChild, fromParent] = records();
    expect(fromChild).toMatchObject({ service: 'ingest', partition: 5, event: 'batch_done' });
    expect(fromParent).not.toHaveProperty('partition');
  });

  it("keeps the parent's level in a child", () => {
    const { logger, records } = capture({}, 'warn');
    const child = logger.child({ partition: 1 });
    child.info('dropped');
    child.warn('kept');
    expect(records().map((r) => r.event)).toEqual(['kept']);
  });

  it('serialises Error values with their name and message (JSON.stringify alone gives {})', () => {
    const { logger, records } = capture();
    logger.error('batch_failed', { err: new TypeError('broker went away'), detail: { cause: new Error('ECONNRESET') } });
    const [record] = records();
    expect(record?.err).toMatchObject({ name: 'TypeError', message: 'broker went away' });
    expect(record?.err).toHaveProperty('stack', expect.stringContaining('broker went away'));
    expect(record?.detail).toMatchObject({ cause: { name: 'Error', message: 'ECONNRESET' } });
    expect(record).not.toHaveProperty('msg'); // pino's habit of copying an err's message
  });

  it('writes a key the line repeats once, with the latest value', () => {
    const { logger, lines, records } = capture({ service: 'ingest', partition: 1 });
    logger.child({ partition: 2 }).info('batch_done', { partition: 3 });
    expect(lines[0]?.match(/"partition"/g)).toHaveLength(1);
    expect(records()[0]).toMatchObject({ service: 'ingest', partition: 3 });
  });

  it("keeps the line's own level, time and event when a field has the same name", () => {
    const { logger, records } = capture();
    logger.info('churn_alert', { level: 'critical', time: 'yesterday', event: 'other' });
    const [record] = records();
    expect(record).toMatchObject({
      level: 'info',
      event: 'churn_alert',
      field_level: 'critical',
      field_time: 'yesterday',
      field_event: 'other',
    });
    expect(Number.isNaN(Date.parse(String(record?.time)))).toBe(false);
  });

  it('writes an Error inside an array, and a field that refers to itself, without failing', () => {
    const { logger, records } = capture();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    logger.error('many_failed', { errors: [new RangeError('one'), 'two'], loop });
    const [record] = records();
    expect(record?.errors).toEqual([expect.objectContaining({ name: 'RangeError', message: 'one' }), 'two']);
    expect(record?.loop).toMatchObject({ name: 'loop' });
  });
});

describe('redaction', () => {
  // Each secret is unique, so finding it anywhere in the output means it leaked.
  const secret = (name: string) => `${name}-${Math.random().toString(36).slice(2)}`;

  it('never writes a secret field, at any depth, in base, child, fields, arrays or errors', () => {
    const s = {
      base: secret('base'),
      child: secret('child'),
      sasl: secret('sasl'),
      header: secret('header'),
      deep: secret('deep'),
      env: secret('env'),
      listed: secret('listed'),
      cause: secret('cause'),
      apiKey: secret('apikey'),
      cookie: secret('cookie'),
    };
    const { logger, lines, records } = capture({ service: 'app', consoleToken: s.base });
    const child = logger.child({
      kafka: { brokers: ['b:9092'], sasl: { mechanism: 'plain', username: 'pipeline', password: s.sasl } },
      secret: s.child,
    });
    child.warn('connect_failed', {
      request: { headers: { Authorization: `Bearer ${s.header}`, cookie: s.cookie, 'x-api-key': s.apiKey, accept: 'application/json' } },
      a: { b: { c: { d: { e: { f: { webhookSecret: s.deep } } } } } },
      config: { KAFKA_SASL_PASSWORD: s.env, REDIS_KEY_PREFIX: 'seg' },
      receivers: [{ name: 'ops', credentials: { username: 'ops', password: s.listed } }],
      err: Object.assign(new Error('refused'), { options: { access_token: s.cause } }),
    });
    const line = lines.join('\n');
    for (const value of Object.values(s)) expect(line).not.toContain(value);
    // What is not secret is still there, so the line still says what happened.
    const [record] = records();
    expect(record).toMatchObject({
      service: 'app',
      consoleToken: REDACTED,
      secret: REDACTED,
      kafka: { brokers: ['b:9092'], sasl: { mechanism: 'plain', username: 'pipeline', password: REDACTED } },
      request: { headers: { Authorization: REDACTED, accept: 'application/json' } },
      config: { KAFKA_SASL_PASSWORD: REDACTED, REDIS_KEY_PREFIX: 'seg' },
      receivers: [{ name: 'ops', credentials: REDACTED }],
      err: { name: 'Error', message: 'refused' },
    });
  });

  it('leaves a Kafka key and a yes/no about a secret as they are', () => {
    const { logger, records } = capture();
    logger.info('record_skipped', { key: 'customer-7', hasPassword: false, token: null });
    expect(records()[0]).toMatchObject({ key: 'customer-7', hasPassword: false, token: null });
  });

  it('never writes credentials inside a URL, wherever in the line it is', () => {
    const password = secret('pw');
    const robotToken = secret('robot');
    const sign = secret('sign');
    const wecom = secret('wecom');
    const { logger, lines, records } = capture({ redisUrl: `redis://app:${password}@redis:6379/0` });
    logger.error('delivery_failed', {
      url: `https://oapi.dingtalk.com/robot/send?access_token=${robotToken}&timestamp=1&sign=${sign}`,
      err: new Error(`POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${wecom} failed`),
    });
    const line = lines.join('\n');
    for (const value of [password, robotToken, sign, wecom]) expect(line).not.toContain(value);
    expect(records()[0]).toMatchObject({
      redisUrl: `redis://app:${REDACTED}@redis:6379/0`,
      url: `https://oapi.dingtalk.com/robot/send?access_token=${REDACTED}&timestamp=1&sign=${REDACTED}`,
    });
  });
});

describe('the standard-output destination', () => {
  it('has written every line before a process killed at once ends', () => {
    // Far more than a pipe holds (64 KiB), then a kill that runs no exit handler (as the OOM killer
    // or an abort does): a buffered or asynchronous destination loses the tail, even pino's own,
    // which flushes only in an exit handler.
    const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));
    const script = `
      import { createLogger } from ${JSON.stringify(logger)};
      const log = createLogger({ service: 'crash' });
      for (let i = 0; i < 2000; i++) log.error('fatal', { i, pad: 'x'.repeat(500) });
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(child.signal).toBe('SIGKILL');
    const lines = child.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2000);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ level: 'error', service: 'crash', event: 'fatal', i: 1999 });
  });
});
