import { describe, expect, it } from 'vitest';
import { createProgressBar, progressLine } from './progress.ts';

const target = (isTTY: boolean) => {
  const written: string[] = [];
  return { written, isTTY, write: (t: string) => written.push(t) };
};

describe('the progress bar', () => {
  it('shows the share of simulated days, events and rate', () => {
    expect(progressLine({ day: 73, days: 365, events: 1_234_567 }, 10_000)).toBe(
      `[######........................]  20%  day 73/365  1,234,567 events  123,457/s`,
    );
  });

  it('redraws one line on a terminal, at most ten times a second, and ends it when done', () => {
    let time = 0;
    const out = target(true);
    const bar = createProgressBar(out, () => time);
    bar.update({ day: 1, days: 10, events: 5 });
    time = 50;
    bar.update({ day: 2, days: 10, events: 9 }); // too soon: skipped
    time = 150;
    bar.update({ day: 3, days: 10, events: 12 });
    bar.done();
    bar.done();
    expect(out.written).toHaveLength(4);
    expect(out.written.slice(0, 3).every((w) => w.startsWith('\r'))).toBe(true);
    expect(out.written[2]).toContain('day 3/10');
    expect(out.written[3]).toBe('\n');
  });

  it('writes whole lines now and then into a log file', () => {
    let time = 0;
    const out = target(false);
    const bar = createProgressBar(out, () => time);
    for (let day = 1; day <= 100; day++) {
      time = day * 500;
      bar.update({ day, days: 100, events: day * 10 });
    }
    bar.done();
    expect(out.written.length).toBeLessThan(10);
    expect(out.written.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true);
    expect(out.written.at(-1)).toContain('day 100/100');
  });
});
