import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseConfig } from '@segmentation/runtime';
import { sharedSettings } from './shared-settings.ts';

const parse = (env: Record<string, string>) => parseConfig(z.object(sharedSettings), env);
const problem = (env: Record<string, string>): string => {
  try {
    parse(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('the settings were accepted');
};

describe('SCHEMA_REGISTRY_URL', () => {
  it('accepts basic-auth credentials in the URL', () => {
    expect(parse({ SCHEMA_REGISTRY_URL: 'https://seg:p%40ss@registry.example.com/apis/ccompat/v7' }).SCHEMA_REGISTRY_URL).toBe(
      'https://seg:p%40ss@registry.example.com/apis/ccompat/v7',
    );
  });

  it.each([
    ['a user without a password', 'http://seg@registry:8081', 'seg'],
    ['an empty password', 'http://seg:@registry:8081', 'seg'],
    ['a password without a user', 'http://:s3cret-pw@registry:8081', 's3cret-pw'],
  ])('refuses %s, naming the setting but not repeating the URL', (_, url, secret) => {
    const message = problem({ SCHEMA_REGISTRY_URL: url });
    expect(message).toMatch(/SCHEMA_REGISTRY_URL: a user needs a password and a password a user/);
    expect(message).not.toContain(secret);
  });
});

describe('REDIS_TLS_CA_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shared-settings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is unset by default and accepts a readable file', () => {
    expect(parse({}).REDIS_TLS_CA_FILE).toBeUndefined();
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    expect(parse({ REDIS_TLS_CA_FILE: ca }).REDIS_TLS_CA_FILE).toBe(ca);
  });

  it('refuses a file that is not there, or a folder, naming the setting', () => {
    expect(problem({ REDIS_TLS_CA_FILE: join(dir, 'missing.pem') })).toMatch(/REDIS_TLS_CA_FILE: cannot read this file/);
    expect(problem({ REDIS_TLS_CA_FILE: dir })).toMatch(/REDIS_TLS_CA_FILE: cannot read this file/);
  });
});
