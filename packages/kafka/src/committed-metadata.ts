// The offset-commit metadata of a consumer's partitions, as last committed: the segmenter's clock
// and rules version travel in it (services/segmenter/src/partition-clock.ts), so a value older than
// one already committed must never be handed out: the partition's clock would roll back.

export interface CommittedPartition {
  partition: number;
  metadata: string | null;
}

export class CommittedMetadata {
  private readonly known = new Map<string, string | null>();
  /** Moves on every assignment: a fetch that began before it describes partitions that may have moved since. */
  private generation = 0;

  private readonly fetch: (topic: string) => Promise<readonly CommittedPartition[]>;

  /** `fetch` reads what the group committed for every partition of a topic. */
  constructor(fetch: (topic: string) => Promise<readonly CommittedPartition[]>) {
    this.fetch = fetch;
  }

  /** The metadata committed with the partition's current offset, fetched once per assignment. */
  async get(topic: string, partition: number): Promise<string | null> {
    const key = `${topic}:${partition}`;
    if (!this.known.has(key)) {
      const generation = this.generation;
      const committed = await this.fetch(topic);
      // Fill only what is still unknown: while the fetch was on its way, a batch of another partition
      // may have committed (and recorded) a newer value, which the reply must not overwrite.
      if (generation === this.generation) {
        for (const p of committed)
          if (!this.known.has(`${topic}:${p.partition}`)) this.known.set(`${topic}:${p.partition}`, p.metadata || null);
      }
    }
    return this.known.get(key) ?? null;
  }

  /** What this consumer has just committed. */
  committed(topic: string, partition: number, metadata: string | null): void {
    this.known.set(`${topic}:${partition}`, metadata);
  }

  /** Partitions may have moved: read what their previous owners committed. */
  reassigned(): void {
    this.known.clear();
    this.generation += 1;
  }
}
