import type { Readable, Writable } from 'node:stream';

/**
 * Streams a request body to an upstream while keeping a copy of what has passed, so the gateway
 * can send the same body to another node when the first one refused the connection. The copy is
 * bounded: past `limit` bytes the body streams on but can no longer be replayed. KMS requests
 * are small (a 4 KiB plaintext is under 6 KiB of JSON), so in practice every body is replayable.
 */
export class ReplayableBody {
  private kept: Buffer[] = [];
  private keptBytes = 0;
  private replayable = true;
  private ended = false;
  private sink: Writable | undefined;
  private waitingForDrain = false;

  constructor(
    private readonly source: Readable,
    private readonly limit: number,
  ) {
    source.on('data', (chunk: Buffer) => this.onData(chunk));
    source.on('end', () => {
      this.ended = true;
      this.sink?.end();
    });
  }

  /** True while every byte seen so far is still held. */
  get canReplay(): boolean {
    return this.replayable;
  }

  /** Writes what has arrived so far to `sink`, then forwards the rest as it comes. */
  attach(sink: Writable): void {
    this.detach();
    this.sink = sink;
    for (const chunk of this.kept) sink.write(chunk);
    if (this.ended) sink.end();
  }

  /** Stops forwarding to the current sink (it failed). */
  detach(): void {
    this.sink = undefined;
    if (this.waitingForDrain) {
      this.waitingForDrain = false;
      this.source.resume();
    }
  }

  /** An upstream has answered: no replay will be needed, so free the copy. */
  release(): void {
    this.replayable = false;
    this.kept = [];
    this.keptBytes = 0;
  }

  private onData(chunk: Buffer): void {
    if (this.replayable) {
      this.keptBytes += chunk.length;
      if (this.keptBytes > this.limit) this.release();
      else this.kept.push(chunk);
    }
    const sink = this.sink;
    if (sink && !sink.write(chunk)) {
      this.waitingForDrain = true;
      this.source.pause();
      sink.once('drain', () => {
        if (this.sink !== sink || !this.waitingForDrain) return;
        this.waitingForDrain = false;
        this.source.resume();
      });
    }
  }
}
