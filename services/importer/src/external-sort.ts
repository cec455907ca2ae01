import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Sorting more rows than fit in memory: an export is rarely in event-time order (one file per
// kind, status rows appended as they happened, re-exports), and a year of a large shipper is tens
// of millions of rows. Items are gathered into runs of at most `runSize`, each sorted in memory
// and spilled to a file of JSON lines in a spill folder; reading them back merges all runs at once
// (k-way, through a heap), so memory holds one run while gathering and one item per run while
// merging, whatever the number of rows and however unordered they are.

/** A folder of the import's temporary files. */
export interface SpillFolder {
  readonly path: string;
  remove(): Promise<void>;
}

/** Creates a fresh folder under `parent` (the system's temporary folder by default). */
export async function createSpillFolder(parent: string = tmpdir(), name = 'import-history-'): Promise<SpillFolder> {
  const path = await mkdtemp(join(parent, name));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Runs `work` with a fresh spill folder, and removes the folder afterwards, whether `work` succeeded or threw. */
export async function withSpillFolder<T>(parent: string | undefined, work: (folder: SpillFolder) => T | Promise<T>): Promise<T> {
  const folder = await createSpillFolder(parent);
  try {
    return await work(folder);
  } finally {
    await folder.remove();
  }
}

/** Lines written per write call while spilling a run: a run is never one giant string. */
const WRITE_LINES = 2000;

/**
 * A sort of JSON-serialisable items with bounded memory. Stable: items that compare equal come out
 * in the order they were added (a run keeps it, and the merge prefers the earlier run).
 */
export class ExternalSort<T> {
  private readonly folder: string;
  private readonly name: string;
  private readonly compare: (a: T, b: T) => number;
  private readonly runSize: number;
  private buffer: T[] = [];
  private readonly runs: string[] = [];
  private added = 0;
  private drained = false;

  /** `name` tells this sort's run files apart from other sorts' in the same folder. */
  constructor(folder: string, name: string, compare: (a: T, b: T) => number, runSize: number) {
    if (!Number.isInteger(runSize) || runSize < 1)
      throw new Error(`the run size of an external sort must be a positive integer, not ${runSize}`);
    this.folder = folder;
    this.name = name;
    this.compare = compare;
    this.runSize = runSize;
  }

  /** Items added so far. */
  get size(): number {
    return this.added;
  }

  /** Runs spilled to disk so far. */
  get spilled(): number {
    return this.runs.length;
  }

  async add(item: T): Promise<void> {
    if (this.drained) throw new Error('an external sort takes no item after it was read');
    this.buffer.push(item);
    this.added++;
    if (this.buffer.length >= this.runSize) await this.spill();
  }

  /** Every item added, in order. Read once: the run files are deleted as they are consumed. */
  async *sorted(): AsyncGenerator<T> {
    if (this.drained) throw new Error('an external sort is read once');
    this.drained = true;
    if (this.runs.length === 0) {
      // Everything fits in one run: no file at all.
      const items = this.buffer.sort(this.compare);
      this.buffer = [];
      yield* items;
      return;
    }
    if (this.buffer.length > 0) await this.spill();
    yield* this.merge();
  }

  private async spill(): Promise<void> {
    const items = this.buffer.sort(this.compare);
    this.buffer = [];
    const path = join(this.folder, `${this.name}-${String(this.runs.length).padStart(6, '0')}.jsonl`);
    const file = await open(path, 'wx');
    try {
      for (let start = 0; start < items.length; start += WRITE_LINES) {
        let text = '';
        for (const item of items.slice(start, start + WRITE_LINES)) text += JSON.stringify(item) + '\n';
        await file.write(text);
      }
    } finally {
      await file.close();
    }
    this.runs.push(path);
  }

  private async *merge(): AsyncGenerator<T> {
    const sources = this.runs.map((path) => jsonLines<T>(path));
    // A binary min-heap of the head item of each run; ties go to the earlier run (stability).
    const heap: { item: T; run: number }[] = [];
    const before = (a: { item: T; run: number }, b: { item: T; run: number }) => {
      const c = this.compare(a.item, b.item);
      return c < 0 || (c === 0 && a.run < b.run);
    };
    const push = (entry: { item: T; run: number }) => {
      heap.push(entry);
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!before(heap[i]!, heap[parent]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    };
    const siftDown = () => {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let least = i;
        if (l < heap.length && before(heap[l]!, heap[least]!)) least = l;
        if (r < heap.length && before(heap[r]!, heap[least]!)) least = r;
        if (least === i) return;
        [heap[i], heap[least]] = [heap[least]!, heap[i]!];
        i = least;
      }
    };
    try {
      for (const [run, source] of sources.entries()) {
        const first = await source.next();
        if (!first.done) push({ item: first.value, run });
      }
      while (heap.length > 0) {
        const top = heap[0]!;
        yield top.item;
        const next = await sources[top.run]!.next();
        if (next.done) {
          const last = heap.pop()!;
          if (heap.length > 0) {
            heap[0] = last;
            siftDown();
          }
        } else {
          heap[0] = { item: next.value, run: top.run };
          siftDown();
        }
      }
    } finally {
      await Promise.all(sources.map((s) => s.return(undefined)));
      await Promise.all(this.runs.map((path) => rm(path, { force: true })));
    }
  }
}

/** The items of a run file, one JSON value per line. */
async function* jsonLines<T>(path: string): AsyncGenerator<T> {
  let pending = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
    pending += chunk as string;
    let start = 0;
    let nl: number;
    while ((nl = pending.indexOf('\n', start)) >= 0) {
      yield JSON.parse(pending.slice(start, nl)) as T;
      start = nl + 1;
    }
    pending = pending.slice(start);
  }
  if (pending.trim() !== '') yield JSON.parse(pending) as T;
}
