import type { ReceiverConfig, ReceiverType } from './config.ts';

// How a receiver's answer is read: delivered, worth another attempt, or refused for good.

export type AnswerOutcome = 'delivered' | 'retry' | 'permanent';

/**
 * DingTalk and WeCom robots answer HTTP 200 with `{"errcode": n}`; these codes mean "too many
 * messages" or "busy" and pass with time. Any other non-zero code (bad token, signature, keyword,
 * IP not allowed, malformed message) will not.
 */
const TRANSIENT_ROBOT_CODES: Partial<Record<ReceiverType, ReadonlySet<number>>> = {
  dingtalk: new Set([-1, 130101, 410100]), // system busy; sending too fast; flow control
  wecom: new Set([-1, 45009, 45033]), // system busy; API frequency / concurrency limit
};

export function classifyAnswer(type: ReceiverType, status: number, body: string): AnswerOutcome {
  if (status >= 200 && status < 300) {
    const errcode = type === 'dingtalk' || type === 'wecom' ? robotErrorCode(body) : 0;
    if (errcode === 0) return 'delivered';
    return TRANSIENT_ROBOT_CODES[type]?.has(errcode) ? 'retry' : 'permanent';
  }
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  // Other 4xx: the request itself is wrong (or the token revoked): sending it again changes nothing.
  // 1xx/3xx: redirects are not followed (a signed body must not travel to an address nobody configured).
  return 'permanent';
}

/** The robot's errcode; 0 when the body has none (an answer we cannot read counts as accepted: the HTTP status was 2xx). */
function robotErrorCode(body: string): number {
  try {
    const parsed = JSON.parse(body) as { errcode?: unknown };
    return typeof parsed.errcode === 'number' ? parsed.errcode : 0;
  } catch {
    return 0;
  }
}

/** A failure of the request itself (no HTTP answer), described without the URL it went to. */
export function describeNetworkError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: unknown; code?: unknown; cause?: { code?: unknown; name?: unknown } };
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const code = typeof e?.cause?.code === 'string' ? e.cause.code : typeof e?.code === 'string' ? e.code : undefined;
  return `network error${code ? ` ${code}` : ''}`;
}

/** First characters of an answer kept in a dead letter: enough to see why, not a whole error page. */
export const ANSWER_EXCERPT_CHARS = 500;

/**
 * Removes the receiver's credentials from text it answered (some echo the request URL or token):
 * the secret, the URL, its query values and its longer path segments (Slack's token is the path).
 */
export function redactor(receiver: Pick<ReceiverConfig, 'url' | 'secret'>): (text: string) => string {
  const sensitive = new Set<string>([receiver.url]);
  if (receiver.secret) sensitive.add(receiver.secret);
  try {
    const url = new URL(receiver.url);
    for (const value of url.searchParams.values()) if (value.length >= 6) sensitive.add(value);
    for (const segment of url.pathname.split('/')) if (segment.length >= 8) sensitive.add(segment);
    if (url.password) sensitive.add(url.password);
  } catch {
    // config.ts accepted only valid URLs; nothing more to find
  }
  const ordered = [...sensitive].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((t, s) => t.split(s).join('[redacted]'), text);
}

/** What a dead letter and the logs say a receiver answered: status and a redacted excerpt. */
export function describeAnswer(status: number, body: string, redact: (t: string) => string): string {
  const excerpt = redact(body).slice(0, ANSWER_EXCERPT_CHARS);
  return `HTTP ${status}${excerpt.trim() === '' ? '' : `: ${excerpt}`}`;
}
