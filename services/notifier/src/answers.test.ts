import { describe, expect, it } from 'vitest';
import { classifyAnswer, describeAnswer, describeNetworkError, redactor } from './answers.ts';

describe('reading a receiver answer', () => {
  it('2xx is delivered; 408, 429 and 5xx are retried; other 4xx and redirects are refused for good', () => {
    expect(classifyAnswer('webhook', 200, '')).toBe('delivered');
    expect(classifyAnswer('slack', 204, '')).toBe('delivered');
    for (const s of [408, 429, 500, 502, 503, 504]) expect(classifyAnswer('webhook', s, '')).toBe('retry');
    for (const s of [400, 401, 403, 404, 410, 413, 422, 301, 302]) expect(classifyAnswer('webhook', s, '')).toBe('permanent');
  });

  it('a chat robot answering 200 with a non-zero errcode has failed', () => {
    expect(classifyAnswer('dingtalk', 200, '{"errcode":0,"errmsg":"ok"}')).toBe('delivered');
    expect(classifyAnswer('dingtalk', 200, '{"errcode":310000,"errmsg":"sign not match"}')).toBe('permanent');
    expect(classifyAnswer('dingtalk', 200, '{"errcode":130101,"errmsg":"send too fast"}')).toBe('retry');
    expect(classifyAnswer('wecom', 200, '{"errcode":93000,"errmsg":"invalid webhook url"}')).toBe('permanent');
    expect(classifyAnswer('wecom', 200, '{"errcode":45009,"errmsg":"api freq out of limit"}')).toBe('retry');
    // A generic webhook's body is its own business: an errcode there means nothing.
    expect(classifyAnswer('webhook', 200, '{"errcode":310000}')).toBe('delivered');
  });

  it('describes network failures by code and timeouts by duration, never by URL', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }),
    });
    expect(describeNetworkError(refused, 5000)).toBe('network error ECONNREFUSED');
    expect(describeNetworkError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 5000)).toBe(
      'no answer within 5000 ms',
    );
  });

  it('removes the receiver URL, its tokens and the secret from what it answered, and keeps 500 characters', () => {
    const redact = redactor({ url: 'https://oapi.dingtalk.com/robot/send?access_token=tok-123456', secret: 'SECxyz123' });
    expect(redact('bad token tok-123456 for https://oapi.dingtalk.com/robot/send?access_token=tok-123456 (SECxyz123)')).toBe(
      'bad token [redacted] for [redacted] ([redacted])',
    );
    const slack = redactor({ url: 'https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX', secret: undefined });
    expect(slack('no such hook XXXXXXXXXXXXXXXX')).toBe('no such hook [redacted]');
    expect(describeAnswer(400, 'x'.repeat(900), (t) => t)).toBe(`HTTP 400: ${'x'.repeat(500)}`);
    expect(describeAnswer(503, '', (t) => t)).toBe('HTTP 503');
  });
});
