/**
 * Requests to a Kafka broker go one at a time per connection (the broker reads a connection's next
 * request only after answering the last, and kafkajs's idempotent producer holds a lock per broker
 * besides), so one request per partition batch would queue: twelve offset commits of ~5 ms each
 * behind one another put 60 ms on every round of a consumer. This is a group commit: calls made
 * while a request is in flight wait, and go together in the next request; each call settles with
 * the request that carried it.
 */
export class Coalescing<T, R> {
  private readonly queue: Array<{ item: T; resolve: (result: R) => void; reject: (err: unknown) => void }> = [];
  private running = false;
  private readonly send: (items: T[]) => Promise<R>;
  private readonly fits: (group: readonly T[], next: T) => boolean;

  /**
   * @param send one request carrying `items`, in call order
   * @param fits whether `next` may join `group` in one request (a size limit, say); the first always goes
   */
  constructor(send: (items: T[]) => Promise<R>, fits: (group: readonly T[], next: T) => boolean = () => true) {
    this.send = send;
    this.fits = fits;
  }

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const group = [this.queue.shift()!];
        const items = [group[0]!.item];
        while (this.queue.length > 0 && this.fits(items, this.queue[0]!.item)) {
          const next = this.queue.shift()!;
          group.push(next);
          items.push(next.item);
        }
        try {
          const result = await this.send(items);
          for (const call of group) call.resolve(result);
        } catch (err) {
          for (const call of group) call.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
