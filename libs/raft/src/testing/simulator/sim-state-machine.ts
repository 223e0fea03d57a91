import type { Entry } from '../../types';
import { rollHash } from './log-hash';

/**
 * The state machine's whole state at its applied index: `hash` is the rolling hash of every
 * entry applied so far (so it equals the committed log's prefix hash at `applied`), `values`
 * counts the client writes among them. Small enough to be written with every apply batch.
 */
export interface SmImage {
  readonly applied: number;
  readonly hash: number;
  readonly values: number;
}

export const EMPTY_IMAGE: SmImage = { applied: 0, hash: 0, values: 0 };

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Snapshot `data`: the image as JSON (readable in a failure report). */
export function encodeImage(img: SmImage): Uint8Array {
  return enc.encode(JSON.stringify(img));
}

export function decodeImage(data: Uint8Array): SmImage {
  const x = JSON.parse(dec.decode(data)) as Partial<SmImage>;
  if (typeof x.applied !== 'number' || typeof x.hash !== 'number' || typeof x.values !== 'number') {
    throw new Error(`not a state-machine image: ${dec.decode(data)}`);
  }
  return { applied: x.applied, hash: x.hash, values: x.values };
}

/**
 * A node's replicated state machine, in memory. Like the real driver's (driver/raft-node.ts
 * StateMachinePort) it applies in memory first; its image goes to disk in the same batch as
 * the Ready's log writes, so what is on disk is always the image at the durable applied index.
 */
export class SimStateMachine {
  private img: SmImage = EMPTY_IMAGE;

  get applied(): number {
    return this.img.applied;
  }

  image(): SmImage {
    return this.img;
  }

  apply(e: Entry): void {
    if (e.index !== this.img.applied + 1) throw new Error(`state machine at ${this.img.applied} asked to apply ${e.index}`);
    this.img = { applied: e.index, hash: rollHash(this.img.hash, e), values: this.img.values + (e.type === 'normal' ? 1 : 0) };
  }

  /** Becomes the image (a restart from disk, or an installed snapshot). */
  restore(img: SmImage): void {
    this.img = img;
  }
}
