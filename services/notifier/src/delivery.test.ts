import { describe, expect, it } from 'vitest';
import { parseNotifierConfig } from './config.ts';
import { deliver, DeliveryAbandoned, type AttemptReport } from './delivery.ts';

const receivers = parseNotifierConfig(
  `
receivers:
  - { name: hook, type: webhook, url: "https://ops.example.com/hook?token=tok-secret-1", timeoutMs: 200 }
  - { name: ding, type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=tok-secret-2" }
`,
  {},
).receivers;
const hook = receivers[0]!;
const ding = receivers[1]!;
const policy = { attempts: 3, initialMs: 1, maxMs: 2 };
const request = () => ({ url: hook.url, headers: {}, body: '{}' });

/** A fetch answering from a script, one entry per call: a response or an error to throw. */
function scripted(answers: Array<Response | Error>) {
  const calls: string[] = [];
  const fake = (url: string) => {
    calls.push(url);
    const next = answers.shift();
    if (next === undefined) throw new Error('more calls than scripted');
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  return { fetch: fake as typeof fetch, calls };
}

const run = (receiver: typeof hook, answers: Array<Response | Error>, signal = new AbortController().signal) => {
  const f = scripted(answers);
  const reports: AttemptReport[] = [];
  return { f, reports, result: deliver(receiver, request, policy, { fetch: f.fetch, now: () => 0 }, signal, (r) => reports.push(r)) };
};

describe('delivering to one receiver', () => {
  it('retries a 500 and a network error, then delivers', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const { result, reports } = run(hook, [new Response('busy', { status: 500 }), refused, new Response('ok', { status: 200 })]);
    expect(await result).toMatchObject({ outcome: 'delivered', attempts: 3, status: 200 });
    expect(reports.map((r) => [r.attempt, r.outcome, r.status, r.answer])).toEqual([
      [1, 'retry', 500, 'HTTP 500: busy'],
      [2, 'retry', undefined, 'network error ECONNREFUSED'],
      [3, 'delivered', 200, 'HTTP 200: ok'],
    ]);
  });

  it('gives up after the configured attempts', async () => {
    const { result, f } = run(hook, [
      new Response('', { status: 503 }),
      new Response('', { status: 429 }),
      new Response('', { status: 502 }),
    ]);
    expect(await result).toMatchObject({ outcome: 'undeliverable', refused: false, attempts: 3, status: 502 });
    expect(f.calls).toHaveLength(3);
  });

  it('does not retry a 400, and redacts the token the receiver echoed', async () => {
    const { result, f } = run(hook, [new Response('unknown token tok-secret-1', { status: 400 })]);
    expect(await result).toEqual({
      outcome: 'undeliverable',
      refused: true,
      attempts: 1,
      status: 400,
      answer: 'HTTP 400: unknown token [redacted]',
    });
    expect(f.calls).toHaveLength(1);
  });

  it('a DingTalk 200 with a non-zero errcode is a failure', async () => {
    const { result } = run(ding, [new Response('{"errcode":310000,"errmsg":"sign not match"}', { status: 200 })]);
    expect(await result).toMatchObject({ outcome: 'undeliverable', refused: true, status: 200 });
  });

  it('times out a receiver that does not answer, and retries it', async () => {
    const hang = ((_url: unknown, init?: RequestInit) =>
      new Promise<Response>((_, reject) => {
        const signal = init?.signal;
        signal?.addEventListener('abort', () => reject(signal.reason as Error));
      })) as typeof fetch;
    const result = await deliver(
      hook,
      request,
      { attempts: 2, initialMs: 1, maxMs: 1 },
      { fetch: hang, now: () => 0 },
      new AbortController().signal,
    );
    expect(result).toMatchObject({
      outcome: 'undeliverable',
      refused: false,
      attempts: 2,
      status: undefined,
      answer: 'no answer within 200 ms',
    });
  });

  it('gives up without a verdict when the batch is abandoned while waiting to retry', async () => {
    const stop = new AbortController();
    const f = scripted([new Response('', { status: 500 })]);
    const result = deliver(
      hook,
      request,
      { attempts: 5, initialMs: 60_000, maxMs: 60_000 },
      { fetch: f.fetch, now: () => 0 },
      stop.signal,
      () => stop.abort(),
    );
    await expect(result).rejects.toBeInstanceOf(DeliveryAbandoned);
  });
});
