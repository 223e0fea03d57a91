import { DurableLogView } from '../../driver/durable-log';
import type { Snapshot } from '../../types';

/**
 * The core's synchronous view of a simulated node's durable log: the real driver's
 * `DurableLogView` (snapshots made on demand from the state machine at its applied index, one
 * installed here passed on as it is), plus `unavailable()`, which lets a run answer
 * 'temporarily-unavailable' at random (a snapshot being made).
 */
export class SimLogView extends DurableLogView {
  unavailable: () => boolean = () => false;

  override snapshot(): Snapshot | 'temporarily-unavailable' {
    return this.unavailable() ? 'temporarily-unavailable' : super.snapshot();
  }
}
