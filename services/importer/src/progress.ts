// A progress bar on stderr, so stdout stays free for the summary (and `--json` output stays
// parseable). On a terminal it redraws one line; written to a file or a CI log it prints a line
// per tenth instead of thousands of carriage returns.

export interface Progress {
  /** Sets how much of the total is done. */
  update(done: number): void;
  finish(): void;
}

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

const WIDTH = 30;
const REDRAW_MS = 100;

export function createProgress(label: string, total: number, out: ProgressOutput, unit = '', now: () => number = Date.now): Progress {
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastTenth = -1;
  let finished = false;
  const format = (n: number) =>
    unit !== 'B' ? n.toLocaleString('en-US') : total < 1_048_576 ? `${Math.ceil(n / 1024)} KiB` : `${(n / 1_048_576).toFixed(1)} MiB`;
  const render = (done: number) => {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * WIDTH);
    return `${label.padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${format(done)} / ${format(total)}`;
  };
  let current = 0;
  return {
    update(done) {
      current = done;
      if (finished) return;
      if (out.isTTY) {
        if (now() - lastDraw < REDRAW_MS && done < total) return;
        lastDraw = now();
        out.write(`\r${render(done)}`);
      } else {
        const tenth = total > 0 ? Math.floor((done / total) * 10) : 10;
        if (tenth === lastTenth) return;
        lastTenth = tenth;
        out.write(`${render(done)}\n`);
      }
    },
    finish() {
      if (finished) return;
      if (out.isTTY) out.write(`\r${render(Math.max(current, total))}\n`);
      else if (lastTenth < 10) out.write(`${render(Math.max(current, total))}\n`);
      finished = true;
    },
  };
}

/** Progress that shows nothing (`--quiet`). */
export const silentProgress = (): Progress => ({ update: () => undefined, finish: () => undefined });
