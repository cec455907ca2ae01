import { backoffDelay } from '@segmentation/runtime';
import type { RetrySettings } from './config.ts';

/**
 * The wait (ms) before attempt `attempt + 1` after `attempt` failed ones: capped exponential, with
 * "equal jitter" (half fixed, half random) so receivers that failed together do not get every
 * retry at the same instant. A `Retry-After` the receiver sent is honoured up to the cap.
 */
export function backoffMs(
  failedAttempts: number,
  policy: Pick<RetrySettings, 'initialMs' | 'maxMs'>,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const jittered = backoffDelay(failedAttempts - 1, { initialMs: policy.initialMs, maxMs: policy.maxMs, jitter: 'equal' }, random);
  return Math.round(retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, policy.maxMs)));
}

/** `Retry-After` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
