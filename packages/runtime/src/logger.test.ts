import { describe, it, expect } from 'vitest';
import { createLogger, type LogLevel } from './logger.ts';

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
  });
});
