import { describe, expect, it } from 'vitest';
import { dingTalkSign, dingTalkSignedUrl, verifyWebhookSignature, webhookSignature } from './signing.ts';

// Vectors computed outside this code (Python's hmac module), so a change of the signed text or
// encoding fails here rather than at a receiver.
const WEBHOOK = {
  secret: 'whsec-test-secret',
  timestamp: 1767225600,
  body: '{"kind":"churn_alert","alertId":"C-1/churn/3"}',
  signature: 'sha256=167f1a8dc5c488ef19dc6b8577d7395896ebffebc6649288df9de6abebfb2ce6',
};
const DINGTALK = { secret: 'SEC0123456789abcdef', timestampMs: 1767225600000, sign: 'B0RWzLp5DJ68eWPlqN2is7j/CJw7WP3nV1RkTFHU+F4=' };

describe('the webhook signature', () => {
  it('is sha256= and the hex HMAC of "<timestamp>.<body>"', () => {
    expect(webhookSignature(WEBHOOK.secret, WEBHOOK.timestamp, WEBHOOK.body)).toBe(WEBHOOK.signature);
  });

  it('verifies with the secret, and fails with another secret, another body, a stale timestamp or none', () => {
    const headers = { timestamp: String(WEBHOOK.timestamp), signature: WEBHOOK.signature };
    expect(verifyWebhookSignature(WEBHOOK.secret, headers, WEBHOOK.body, WEBHOOK.timestamp + 10)).toBe(true);
    expect(verifyWebhookSignature('other', headers, WEBHOOK.body, WEBHOOK.timestamp)).toBe(false);
    expect(verifyWebhookSignature(WEBHOOK.secret, headers, WEBHOOK.body.replace('3', '4'), WEBHOOK.timestamp)).toBe(false);
    expect(verifyWebhookSignature(WEBHOOK.secret, headers, WEBHOOK.body, WEBHOOK.timestamp + 301)).toBe(false);
    expect(
      verifyWebhookSignature(WEBHOOK.secret, { timestamp: headers.timestamp, signature: undefined }, WEBHOOK.body, WEBHOOK.timestamp),
    ).toBe(false);
    // The timestamp is signed: moving it (to replay the request later) breaks the signature.
    expect(
      verifyWebhookSignature(
        WEBHOOK.secret,
        { ...headers, timestamp: String(WEBHOOK.timestamp + 60) },
        WEBHOOK.body,
        WEBHOOK.timestamp + 60,
      ),
    ).toBe(false);
  });
});

describe('DingTalk 加签', () => {
  it('is the base64 HMAC-SHA256 of "<ms timestamp>\\n<secret>" keyed by the secret', () => {
    expect(dingTalkSign(DINGTALK.secret, DINGTALK.timestampMs)).toBe(DINGTALK.sign);
  });

  it('adds timestamp and the URL-encoded sign to the robot URL, keeping its access_token', () => {
    const url = dingTalkSignedUrl('https://oapi.dingtalk.com/robot/send?access_token=abc123', DINGTALK.secret, DINGTALK.timestampMs);
    expect(url).toBe(
      `https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=${DINGTALK.timestampMs}&sign=B0RWzLp5DJ68eWPlqN2is7j%2FCJw7WP3nV1RkTFHU%2BF4%3D`,
    );
    expect(new URL(url).searchParams.get('sign')).toBe(DINGTALK.sign);
  });
});
