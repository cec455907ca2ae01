import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@segmentation/runtime';
import { loadNotifierConfig, parseNotifierConfig } from './config.ts';

const repoConfig = join(import.meta.dirname, '..', '..', '..', 'config', 'notifier.yaml');

const valid = `
receivers:
  - name: ops-webhook
    type: webhook
    url: \${OPS_URL}
    secret: \${OPS_SECRET}
  - name: dingtalk-ops
    type: dingtalk
    url: https://oapi.dingtalk.com/robot/send?access_token=\${DT_TOKEN}
    secret: \${DT_SECRET}
    timeoutMs: 3000
  - name: am
    type: alertmanager
    url: http://alertmanager:9093
routes:
  - match: { levels: [critical], valueTiers: [high] }
    receivers: [ops-webhook, dingtalk-ops]
  - receivers: [am]
segmentChanges:
  - dimension: value_tier
    from: [high]
    receivers: [ops-webhook]
`;
const env = { OPS_URL: 'https://ops.example.com/hooks/churn', OPS_SECRET: 's3cret', DT_TOKEN: 'tok123', DT_SECRET: 'SECabc' };

/** The ConfigError's message for a config text; fails the test if it parses. */
function problem(text: string, environment: Record<string, string> = env): string {
  try {
    parseNotifierConfig(text, environment, 'notifier.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain('NOTIFIER_FILE');
    return message;
  }
  throw new Error('the config was accepted');
}

describe('the notifier config', () => {
  it('parses receivers, routes, segment-change routes and defaults, expanding ${ENV} in URLs and secrets', () => {
    const config = parseNotifierConfig(valid, env);
    expect(config.receivers.map((r) => [r.name, r.type, r.url, r.secret, r.timeoutMs])).toEqual([
      ['ops-webhook', 'webhook', 'https://ops.example.com/hooks/churn', 's3cret', 10_000],
      ['dingtalk-ops', 'dingtalk', 'https://oapi.dingtalk.com/robot/send?access_token=tok123', 'SECabc', 3000],
      ['am', 'alertmanager', 'http://alertmanager:9093', undefined, 10_000],
    ]);
    expect(config.routes[1]!.match).toEqual({});
    expect(config.segmentChanges).toEqual([{ dimension: 'value_tier', from: ['high'], receivers: ['ops-webhook'] }]);
    expect(config.retry).toEqual({ attempts: 5, initialMs: 500, maxMs: 30_000 });
    expect(config.maxAgeHours).toBe(24);
    expect(config.receivers.every((r) => r.closes)).toBe(true);
  });

  it('lets a receiver hear of openings and escalations only (closes: false)', () => {
    const config = parseNotifierConfig(valid.replace('timeoutMs: 3000', 'timeoutMs: 3000\n    closes: false'), env);
    expect(config.receivers.map((r) => [r.name, r.closes])).toEqual([
      ['ops-webhook', true],
      ['dingtalk-ops', false],
      ['am', true],
    ]);
  });

  it('the shipped config/notifier.yaml is valid and enables no receiver', () => {
    const config = loadNotifierConfig(repoConfig, {});
    expect(config.receivers).toEqual([]);
    expect(config.routes).toEqual([]);
    expect(config.segmentChanges).toEqual([]);
  });

  it('the commented example in config/notifier.yaml (lines starting "# ") is valid and shows every receiver type', () => {
    const example = readFileSync(repoConfig, 'utf8')
      .split('\n')
      .filter((l) => /^#( |$)/.test(l))
      .map((l) => l.slice(2))
      .join('\n');
    const vars = {
      WEBHOOK_URL: 'https://example.com/hook',
      WEBHOOK_SECRET: 'x1',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X',
      DINGTALK_TOKEN: 't',
      DINGTALK_SECRET: 's',
      WECOM_KEY: 'k',
      ALERTMANAGER_URL: 'http://127.0.0.1:9093',
    };
    const config = parseNotifierConfig(example, vars);
    expect(config.receivers.map((r) => r.type).sort()).toEqual(['alertmanager', 'dingtalk', 'slack', 'webhook', 'wecom']);
    expect(config.routes.length).toBeGreaterThan(0);
    expect(config.segmentChanges.length).toBeGreaterThan(0);
  });

  it('names a missing environment variable, and not the value around it', () => {
    const message = problem(valid, { ...env, DT_TOKEN: '' });
    expect(message).toContain('receivers[1] "dingtalk-ops".url: environment variable DT_TOKEN is not set');
    expect(message).not.toContain('oapi.dingtalk.com');
  });

  it('names the receiver and field of a bad URL without quoting it', () => {
    const message = problem(valid, { ...env, OPS_URL: 'ftp://host/secret-token-path' });
    expect(message).toContain('receivers[0] "ops-webhook".url: must be http or https');
    expect(message).not.toContain('secret-token-path');
    expect(problem(valid, { ...env, OPS_URL: 'not a url with-token' })).toContain('receivers[0] "ops-webhook".url: not a URL');
  });

  it('reads the console address from ${ENV} and refuses one that is not a URL', () => {
    expect(
      parseNotifierConfig(`consoleUrl: "\${CONSOLE_PUBLIC_URL}"\n`, { CONSOLE_PUBLIC_URL: 'https://console.example.com' }).consoleUrl,
    ).toBe('https://console.example.com');
    expect(parseNotifierConfig('receivers: []\n', {}).consoleUrl).toBeUndefined();
    expect(problem('consoleUrl: "${CONSOLE_PUBLIC_URL}"\n', {})).toContain(
      'consoleUrl: environment variable CONSOLE_PUBLIC_URL is not set',
    );
    expect(problem('consoleUrl: console.example.com\n', {})).toContain('consoleUrl: not a URL');
  });

  it.each([
    ['an unknown receiver type', valid.replace('type: webhook', 'type: email'), 'receivers[0] "ops-webhook".type'],
    [
      'an unknown receiver in a route',
      valid.replace('receivers: [am]', 'receivers: [pager]'),
      'routes[1].receivers[0]: unknown receiver "pager"',
    ],
    [
      'an unknown receiver in a segment-change route',
      valid.replace('receivers: [ops-webhook]\n', 'receivers: [nobody]\n'),
      'segmentChanges[0].receivers[0]: unknown receiver "nobody"',
    ],
    [
      'a receiver name used twice',
      valid.replace('name: am', 'name: ops-webhook'),
      'receivers[2] "ops-webhook".name: receiver name "ops-webhook" is used twice',
    ],
    ['an unknown level', valid.replace('levels: [critical]', 'levels: [panic]'), 'routes[0].match.levels[0]'],
    ['an unknown match field', valid.replace('valueTiers: [high]', 'tiers: [high]'), 'routes[0].match'],
    ['an unknown cause', valid.replace('valueTiers: [high]', 'causes: [rules_change]'), 'routes[0].match.causes[0]'],
    ['a route without receivers', valid.replace('receivers: [am]', 'receivers: []'), 'routes[1].receivers: name at least one receiver'],
    ['a timeout that is not a number', valid.replace('timeoutMs: 3000', 'timeoutMs: soon'), 'receivers[1] "dingtalk-ops".timeoutMs'],
    [
      'a secret on a receiver that cannot sign',
      valid.replace('url: http://alertmanager:9093', 'url: http://alertmanager:9093\n    secret: x'),
      'receivers[2] "am".secret',
    ],
    ['retry attempts below one', `${valid}\nretry: { attempts: 0 }`, 'retry.attempts'],
    ['maxMs below initialMs', `${valid}\nretry: { initialMs: 5000, maxMs: 100 }`, 'retry.maxMs: maxMs must not be below initialMs'],
    [
      'closes: false on alertmanager, where the close resolves the alert',
      valid.replace('url: http://alertmanager:9093', 'url: http://alertmanager:9093\n    closes: false'),
      'receivers[2] "am".closes: an alertmanager receiver always gets the close',
    ],
    ['a bad receiver name', valid.replace('name: am', 'name: "Alert Manager"'), 'receivers[2] "Alert Manager".name'],
    ['YAML that does not parse', 'receivers: [\n  - oops', 'not valid YAML'],
  ])('refuses %s, naming it', (_, text, expected) => {
    expect(problem(text)).toContain(expected);
  });

  it('reports a file it cannot read as NOTIFIER_FILE', () => {
    expect(() => loadNotifierConfig(join(tmpdir(), 'no-such-notifier.yaml'), {})).toThrow(/NOTIFIER_FILE: cannot read .*ENOENT/);
  });

  it('loads a file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'notifier-config-'));
    writeFileSync(join(dir, 'n.yaml'), valid);
    expect(loadNotifierConfig(join(dir, 'n.yaml'), env).receivers).toHaveLength(3);
  });
});
