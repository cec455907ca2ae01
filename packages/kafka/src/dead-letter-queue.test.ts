import { describe, it, expect } from 'vitest';
import type { ConsumedMessage } from './batch-consumer.ts';
import { deadLetterMessage, type DeadLetterCause } from './dead-letter-queue.ts';

const NOW = new Date(Date.UTC(2025, 4, 12, 10, 0, 0));

/** A message as the consumer hands it over; override any field. */
function aConsumedMessage(overrides: Partial<ConsumedMessage> = {}): ConsumedMessage {
  return {
    topic: 'orders',
    partition: 4,
    offset: '9007199254740993', // past 2^53: must survive as text
    key: Buffer.from('C-SH-001'),
    value: Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]),
    headers: { 'trace-id': 'abc123', 'x-binary': Buffer.from([1, 2]), 'x-multi': ['a', 'b'] },
    timestamp: NOW.getTime() - 1000,
    ...overrides,
  };
}

const cause: DeadLetterCause = { reason: 'unknown_currency', message: 'no rate for currency BRL', step: 'validate', stage: 'ingest' };

describe('deadLetterMessage', () => {
  it('keeps the original key, value and headers', () => {
    const original = aConsumedMessage();
    const dead = deadLetterMessage(original, cause, NOW);
    expect(dead.key).toBe(original.key);
    expect(dead.value).toBe(original.value);
    expect(dead.headers).toMatchObject({ 'trace-id': 'abc123', 'x-binary': Buffer.from([1, 2]), 'x-multi': ['a', 'b'] });
  });

  it('says where the message was read and why it was refused, in Kafka Connect headers', () => {
    const dead = deadLetterMessage(aConsumedMessage(), cause, NOW);
    expect(dead.headers).toMatchObject({
      '__connect.errors.topic': 'orders',
      '__connect.errors.partition': '4',
      '__connect.errors.offset': '9007199254740993',
      '__connect.errors.stage': 'ingest',
      '__connect.errors.class.name': 'validate',
      '__connect.errors.exception.class.name': 'unknown_currency',
      '__connect.errors.exception.message': 'no rate for currency BRL',
      '__connect.errors.timestamp': String(NOW.getTime()),
    });
  });

  it('keeps a null key and value (an undecodable or keyless message is dead-lettered as it came)', () => {
    const dead = deadLetterMessage(aConsumedMessage({ key: null, value: null }), { ...cause, reason: 'missing_key' }, NOW);
    expect(dead.key).toBeNull();
    expect(dead.value).toBeNull();
    expect(dead.headers?.['__connect.errors.exception.class.name']).toBe('missing_key');
  });

  it('drops headers without a value and adds nothing else', () => {
    const dead = deadLetterMessage(aConsumedMessage({ headers: { present: 'yes', absent: undefined } }), cause, NOW);
    expect(Object.keys(dead.headers ?? {}).sort()).toEqual([
      '__connect.errors.class.name',
      '__connect.errors.exception.class.name',
      '__connect.errors.exception.message',
      '__connect.errors.offset',
      '__connect.errors.partition',
      '__connect.errors.stage',
      '__connect.errors.timestamp',
      '__connect.errors.topic',
      'present',
    ]);
  });

  it('replaces the error headers of a message dead-lettered before, keeping one value each', () => {
    const earlier = { '__connect.errors.exception.class.name': 'undecodable', '__connect.errors.stage': 'segmenter' };
    const dead = deadLetterMessage(aConsumedMessage({ headers: earlier }), cause, NOW);
    expect(dead.headers?.['__connect.errors.exception.class.name']).toBe('unknown_currency');
    expect(dead.headers?.['__connect.errors.stage']).toBe('ingest');
  });

  it('does not change the consumed message', () => {
    const original = aConsumedMessage();
    const headersBefore = { ...original.headers };
    deadLetterMessage(original, cause, NOW);
    expect(original.headers).toEqual(headersBefore);
  });
});
