// A progress bar on stderr for long runs, with plain ANSI and \r: on a terminal it redraws one
// line; in a log file (not a TTY) it writes a line now and then instead of thousands of redraws.
import type { Progress } from './fast-mode.ts';

export interface ProgressTarget {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

const WIDTH = 30;
const TTY_INTERVAL_MS = 100;
const LOG_INTERVAL_MS = 10_000;

export const count = (n: number) => Math.round(n).toLocaleString('en-US');

export function progressLine(p: Progress, elapsedMs: number): string {
  const share = p.days === 0 ? 1 : Math.min(1, p.day / p.days);
  const filled = Math.round(share * WIDTH);
  const rate = elapsedMs > 0 ? (p.events * 1000) / elapsedMs : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  day ${p.day}/${p.days}  ${count(p.events)} events  ${count(rate)}/s`;
}

export interface ProgressBar {
  update(p: Progress, force?: boolean): void;
  /** Draws the final state and ends the bar's line, so what follows starts on a fresh one. Idempotent. */
  done(): void;
}

export function createProgressBar(target: ProgressTarget, clock: () => number = () => performance.now()): ProgressBar {
  const began = clock();
  const interval = target.isTTY ? TTY_INTERVAL_MS : LOG_INTERVAL_MS;
  let lastDrawn = Number.NEGATIVE_INFINITY;
  let last: Progress | undefined;
  let finished = false;
  const update = (p: Progress, force = false): void => {
    last = p;
    const now = clock();
    if (finished || (!force && now - lastDrawn < interval)) return;
    lastDrawn = now;
    const line = progressLine(p, now - began);
    // \x1b[K clears what a longer previous line left behind.
    target.write(target.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
  };
  return {
    update,
    done() {
      if (finished || last === undefined) return;
      update(last, true);
      finished = true;
      if (target.isTTY) target.write('\n');
    },
  };
}
