import { MemoryStorage } from '../../memory-storage';
import type { Snapshot } from '../../types';

/**
 * The core's synchronous view of a simulated node's durable log. As in the real driver
 * (driver/durable-log.ts `DurableLogView`), the snapshot a leader sends is made on demand
 * from the state machine at its applied index (which the log must still cover), and one this
 * node installed is passed on as it is while it covers the compacted prefix.
 * `unavailable()` lets a run answer 'temporarily-unavailable' at random (a snapshot being made).
 */
export class SimLogView extends MemoryStorage {
  source: (() => { index: number; data: Uint8Array }) | null = null;
  unavailable: () => boolean = () => false;
  private latest: Snapshot | null = null;

  override snapshot(): Snapshot | 'temporarily-unavailable' {
    if (this.unavailable()) return 'temporarily-unavailable';
    const base = this.firstIndex() - 1;
    if (this.latest && this.latest.meta.index >= base) return this.latest;
    if (!this.source) return 'temporarily-unavailable';
    const { index, data } = this.source();
    const term = this.term(index);
    if (typeof term !== 'number' || index < base) return 'temporarily-unavailable';
    this.latest = { meta: { index, term, conf: this.initialState().confState }, data };
    return this.latest;
  }

  /** A snapshot this node installed can be passed on as it is. */
  remember(snap: Snapshot): void {
    this.latest = snap;
  }
}
