import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.ts';

const output = (isTTY: boolean) => {
  const writes: string[] = [];
  return { writes, out: { isTTY, write: (t: string) => writes.push(t) } };
};

describe('createProgress', () => {
  it('prints a line per tenth when stderr is not a terminal', () => {
    const { writes, out } = output(false);
    const bar = createProgress('writing', 1000, out);
    for (let done = 0; done <= 1000; done += 10) bar.update(done);
    bar.finish();
    expect(writes).toHaveLength(11);
    expect(writes.at(-1)).toBe(`writing  [${'#'.repeat(30)}] 100%  1,000 / 1,000\n`);
  });

  it('redraws one line on a terminal, at most every 100 ms, and ends it', () => {
    const { writes, out } = output(true);
    let now = 0;
    const bar = createProgress('reading', 4 * 1_048_576, out, 'B', () => now);
    bar.update(1_048_576);
    bar.update(2 * 1_048_576); // within 100 ms: not drawn
    now = 150;
    bar.update(2 * 1_048_576);
    bar.finish();
    expect(writes).toEqual([
      `\rreading  [${'#'.repeat(8)}${'.'.repeat(22)}]  25%  1.0 MiB / 4.0 MiB`,
      `\rreading  [${'#'.repeat(15)}${'.'.repeat(15)}]  50%  2.0 MiB / 4.0 MiB`,
      `\rreading  [${'#'.repeat(30)}] 100%  4.0 MiB / 4.0 MiB\n`,
    ]);
  });
});
