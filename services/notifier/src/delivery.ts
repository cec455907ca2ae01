import { setTimeout as sleep } from 'node:timers/promises';
import { classifyAnswer, describeAnswer, describeNetworkError, redactor, type AnswerOutcome } from './answers.ts';
import { backoffMs, retryAfterMs } from './backoff.ts';
import type { ReceiverConfig, RetrySettings } from './config.ts';
import type { OutgoingRequest } from './formats.ts';

// One notification to one receiver: attempts with backoff until it is delivered, refused for good,
// or the attempts are spent. Waiting happens inside the batch handler (which heartbeats), and
// stops at once when the batch goes stale or the notifier stops: the batch is then not committed
// and comes again, so stopping never turns a retry into a dead letter.

export interface DeliveryDeps {
  fetch: typeof fetch;
  /** Wall clock (ms): signature timestamps, Retry-After dates. */
  now(): number;
  random?: () => number;
}

export interface AttemptReport {
  receiver: string;
  attempt: number;
  outcome: AnswerOutcome;
  /** HTTP status; undefined when no answer came (network error, timeout). */
  status: number | undefined;
  /** Redacted: never the URL or the secret. */
  answer: string;
  seconds: number;
}

export interface DeliveryResult {
  outcome: 'delivered' | 'undeliverable';
  /** Undeliverable because the receiver refused (a 4xx, a robot error), not because attempts ran out. */
  refused: boolean;
  attempts: number;
  status: number | undefined;
  answer: string;
}

/** Thrown when the batch went stale or the notifier is stopping: nothing is decided, nothing committed. */
export class DeliveryAbandoned extends Error {
  override name = 'DeliveryAbandoned';
}

/**
 * `build` is called per attempt, so each carries a fresh timestamp and signature (DingTalk refuses
 * a timestamp an hour old; webhook receivers check theirs within minutes).
 */
export async function deliver(
  receiver: ReceiverConfig,
  build: () => OutgoingRequest,
  policy: RetrySettings,
  deps: DeliveryDeps,
  signal: AbortSignal,
  onAttempt: (report: AttemptReport) => void = () => undefined,
): Promise<DeliveryResult> {
  const redact = redactor(receiver);
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw new DeliveryAbandoned('the batch was given up before the delivery finished');
    const started = performance.now();
    const request = build();
    let outcome: AnswerOutcome;
    let status: number | undefined;
    let answer: string;
    let waitHint: number | undefined;
    try {
      const response = await deps.fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(receiver.timeoutMs)]),
      });
      const body = await response.text();
      status = response.status;
      outcome = classifyAnswer(receiver.type, status, body);
      answer = describeAnswer(status, body, redact);
      waitHint = retryAfterMs(response.headers.get('retry-after'), deps.now());
    } catch (err) {
      if (signal.aborted) throw new DeliveryAbandoned('the batch was given up during a delivery', { cause: err });
      outcome = 'retry';
      answer = describeNetworkError(err, receiver.timeoutMs);
    }
    onAttempt({ receiver: receiver.name, attempt, outcome, status, answer, seconds: (performance.now() - started) / 1000 });
    if (outcome === 'delivered') return { outcome, refused: false, attempts: attempt, status, answer };
    if (outcome === 'permanent' || attempt >= policy.attempts)
      return { outcome: 'undeliverable', refused: outcome === 'permanent', attempts: attempt, status, answer };
    try {
      await sleep(backoffMs(attempt, policy, deps.random, waitHint), undefined, { signal });
    } catch (err) {
      throw new DeliveryAbandoned('the batch was given up while waiting to retry', { cause: err });
    }
  }
}
