/** One Server-Sent Event as received. */
export interface SseEvent {
  event: string;
  id: string | undefined;
  data: unknown;
}

/**
 * Reads a Server-Sent Events stream with fetch (so it can send an Authorization header, which
 * EventSource cannot) and collects its events; comment lines (heartbeats) are skipped.
 */
export class SseReader {
  readonly events: SseEvent[] = [];
  private readonly abort: AbortController;

  private constructor(abort: AbortController) {
    this.abort = abort;
  }

  /** Resolves once the server answered 200 and the stream is open. */
  static async open(url: string, headers: Record<string, string>): Promise<SseReader> {
    const abort = new AbortController();
    const res = await fetch(url, { headers, signal: abort.signal });
    if (res.status !== 200 || res.body === null) throw new Error(`stream ${url} answered ${res.status}: ${await res.text()}`);
    const reader = new SseReader(abort);
    void reader.read(res.body);
    return reader;
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of body) {
        buffered += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          this.parse(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
        }
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
  }

  private parse(block: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) this.events.push({ event, id, data: JSON.parse(data.join('\n')) as unknown });
  }
}
