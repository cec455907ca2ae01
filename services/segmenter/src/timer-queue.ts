// The fold's queue of customers' next evaluation times.

/** A min-heap of (time, customer id), ties broken by id so every instance fires in the same order. */
export class TimerQueue {
  private readonly heap: Array<{ at: number; customerId: string }> = [];
  private static before(a: { at: number; customerId: string }, b: { at: number; customerId: string }): boolean {
    return a.at < b.at || (a.at === b.at && a.customerId < b.customerId);
  }
  push(at: number, customerId: string): void {
    const h = this.heap;
    h.push({ at, customerId });
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!TimerQueue.before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }
  popUpTo(limit: number): { at: number; customerId: string } | undefined {
    const h = this.heap;
    if (h.length === 0 || h[0]!.at > limit) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && TimerQueue.before(h[l]!, h[m]!)) m = l;
        if (r < h.length && TimerQueue.before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
