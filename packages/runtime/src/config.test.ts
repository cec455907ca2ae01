import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import { boolSetting, intSetting, listSetting, parseConfig } from './config.ts';
import { ConfigError } from './errors.ts';

const schema = z.object({
  PORT: intSetting(1, 65535).default(8080),
  NAME: z.string().default('segmenter'),
  DEBUG: boolSetting.default(false),
  BROKERS: listSetting.default(['127.0.0.1:9092']),
});

/** The ConfigError parseConfig throws for `env`; fails the test when it does not throw one. */
function configErrorOf(env: Record<string, string | undefined>, s: z.ZodType = schema): ConfigError {
  try {
    parseConfig(s, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but the configuration parsed');
}

describe('parseConfig', () => {
  it('gives the defaults for an empty environment', () => {
    expect(parseConfig(schema, {})).toEqual({ PORT: 8080, NAME: 'segmenter', DEBUG: false, BROKERS: ['127.0.0.1:9092'] });
  });

  it('treats empty and blank strings as unset, so the defaults apply', () => {
    expect(parseConfig(schema, { PORT: '', NAME: '   ', DEBUG: '', BROKERS: undefined })).toEqual(parseConfig(schema, {}));
  });

  it('parses and trims the values it is given', () => {
    expect(parseConfig(schema, { PORT: ' 9000 ', NAME: ' ingest ', DEBUG: 'true', BROKERS: 'a:1, b:2' })).toEqual({
      PORT: 9000,
      NAME: 'ingest',
      DEBUG: true,
      BROKERS: ['a:1', 'b:2'],
    });
  });

  it('ignores settings the schema does not know', () => {
    expect(parseConfig(schema, { PATH: '/usr/bin', HOME: '/root' })).toEqual(parseConfig(schema, {}));
  });

  it('names every bad setting in one ConfigError', () => {
    const err = configErrorOf({ PORT: 'abc', DEBUG: 'yes', NAME: 'fine' });
    expect(err.name).toBe('ConfigError');
    expect(err.message).toMatch(/^\s*PORT: /m);
    expect(err.message).toMatch(/^\s*DEBUG: /m);
    expect(err.message).not.toMatch(/NAME/);
  });

  it('names a required setting that is missing or blank', () => {
    const required = z.object({ REDIS_URL: z.string() });
    expect(configErrorOf({}, required).message).toMatch(/^\s*REDIS_URL: /m);
    expect(configErrorOf({ REDIS_URL: ' ' }, required).message).toMatch(/^\s*REDIS_URL: /m);
  });
});

describe('intSetting', () => {
  const port = intSetting(0, 65535);

  it.each([
    ['0', 0],
    ['42', 42],
    ['65535', 65535],
  ])('reads %j as %d', (raw, value) => {
    expect(port.parse(raw)).toBe(value);
  });

  it.each(['abc', '1.5', '1e3', '0x10', '12abc', '-1', '65536'])('rejects %j', (raw) => {
    expect(port.safeParse(raw).success).toBe(false);
  });

  it('says an integer is expected when given text', () => {
    const result = port.safeParse('abc');
    expect(result.error?.issues[0]?.message).toBe('must be an integer');
  });

  it('allows negative values when the minimum does', () => {
    expect(intSetting(-10).parse('-3')).toBe(-3);
  });
});

describe('boolSetting', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('reads %j as %s', (raw, value) => {
    expect(boolSetting.parse(raw)).toBe(value);
  });

  it.each(['yes', 'no', 'TRUE', 'False', 'on'])('rejects %j instead of guessing', (raw) => {
    expect(boolSetting.safeParse(raw).success).toBe(false);
  });
});

describe('listSetting', () => {
  it('splits on commas and drops blanks', () => {
    expect(listSetting.parse('a, b,,c ,')).toEqual(['a', 'b', 'c']);
  });
});
