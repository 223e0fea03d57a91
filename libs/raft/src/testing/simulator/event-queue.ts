/** What an event does, for the trace. */
export type EventKind = 'tick' | 'deliver' | 'disk' | 'client' | 'fault' | 'check';

export interface SimEvent {
  /** Virtual milliseconds. */
  readonly time: number;
  /** Insertion order: breaks ties between events at the same time deterministically. */
  readonly seq: number;
  readonly kind: EventKind;
  /** Index of the node the event runs on, or -1 for the world (faults, clients, checks). */
  readonly node: number;
  /** For the trace: a short description, built lazily. */
  readonly describe: () => string;
  readonly run: () => void;
}

/**
 * The virtual clock and the event queue: a binary min-heap on (time, seq). Time advances only
 * by popping events; nothing in the simulator reads a real clock.
 */
export class EventQueue {
  private heap: SimEvent[] = [];
  private seq = 0;
  now = 0;

  get size(): number {
    return this.heap.length;
  }

  at(time: number, kind: EventKind, node: number, run: () => void, describe: () => string): void {
    if (!(time >= this.now)) throw new Error(`event scheduled in the past: ${time} < ${this.now}`);
    this.push({ time, seq: this.seq++, kind, node, run, describe });
  }

  after(delay: number, kind: EventKind, node: number, run: () => void, describe: () => string): void {
    this.at(this.now + delay, kind, node, run, describe);
  }

  /** Removes and returns the earliest event, advancing the clock to it. */
  pop(): SimEvent | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this.down(0);
    }
    this.now = top.time;
    return top;
  }

  private push(ev: SimEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
