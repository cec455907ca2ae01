import { createHmac, timingSafeEqual } from 'node:crypto';

// Signatures the receivers check. Both are HMAC-SHA256; they differ in what is signed and how it
// is written, because each follows the convention its receivers already implement.

export const SIGNATURE_HEADER = 'X-Segmentation-Signature';
export const TIMESTAMP_HEADER = 'X-Segmentation-Timestamp';
export const ID_HEADER = 'X-Segmentation-Id';

/**
 * The generic webhook's signature: `sha256=` + hex HMAC-SHA256 keyed by the shared secret over
 * `<unix seconds>.<raw body>`. The timestamp is inside the signed text so a captured request
 * cannot be replayed later with a fresh timestamp (the GitHub / Stripe scheme).
 */
export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

/**
 * What a receiver does with a request: recompute the signature over the raw body, compare in
 * constant time, and refuse timestamps further than `toleranceSeconds` from its clock.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (headers.timestamp === undefined || headers.signature === undefined || !/^\d+$/.test(headers.timestamp)) return false;
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * DingTalk's 加签: base64 HMAC-SHA256 keyed by the secret over `<ms timestamp>\n<secret>`, sent
 * with the timestamp as the `timestamp` and `sign` query parameters (URL-encoded). DingTalk
 * refuses a timestamp more than an hour from its clock.
 */
export function dingTalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** The robot URL with the 加签 parameters; URLSearchParams percent-encodes the base64 (+ / =). */
export function dingTalkSignedUrl(url: string, secret: string, timestampMs: number): string {
  const signed = new URL(url);
  signed.searchParams.set('timestamp', String(timestampMs));
  signed.searchParams.set('sign', dingTalkSign(secret, timestampMs));
  return signed.toString();
}
