import { decodeConfChange } from '../conf-change';
import { MemoryStorage } from '../memory-storage';
import { RaftCore, type RaftConfig } from '../raft-core';
import type { Entry, HardState, Message, NodeId, ReadState, Ready, Snapshot } from '../types';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** mulberry32: a tiny seeded PRNG so every run replays exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface NetworkNode {
  readonly id: NodeId;
  core: RaftCore;
  readonly storage: MemoryStorage;
  /** The state machine: entries applied, in order (replaced wholesale by a snapshot install). */
  applied: Entry[];
  /** Index of the last entry (or snapshot) applied: what a restart resumes from. */
  appliedIndex: number;
  readonly readStates: ReadState[];
  /** A Ready taken but not yet persisted (see `takeReady` / `persistReady`). */
  pending: Ready | null;
}

export interface NodeOptions {
  entries?: Entry[];
  hardState?: Partial<HardState>;
  config?: Partial<RaftConfig>;
}

export function entry(index: number, term: number, data = ''): Entry {
  return { index, term, type: data === '' ? 'noop' : 'normal', data: new TextEncoder().encode(data) };
}

/** Builds a log whose entry i (1-based) has term terms[i-1]. */
export function logWithTerms(...terms: number[]): Entry[] {
  return terms.map((t, i) => entry(i + 1, t, `e${i + 1}`));
}

/** The test state machine's image: its applied entries, as JSON. */
export function encodeSnapshotData(applied: readonly Entry[]): Uint8Array {
  return enc.encode(JSON.stringify(applied.map((e) => [e.index, e.term, e.type, dec.decode(e.data)])));
}

export function decodeSnapshotData(data: Uint8Array): Entry[] {
  const rows = JSON.parse(dec.decode(data)) as [number, number, Entry['type'], string][];
  return rows.map(([index, term, type, d]) => ({ index, term, type, data: enc.encode(d) }));
}

/**
 * A deterministic in-memory network of cores, driven exactly as a real driver would: take a
 * Ready, send `sendNow`, persist, send `sendAfterPersist`, apply, advance. Messages wait in a
 * FIFO queue until delivered; cut links drop them at send time (a dropped snapshot is reported
 * to its sender as failed, as a real transport would). Applied `conf` entries go through
 * applyConfChange, and the resulting membership is stored with the applied index.
 */
export class RaftNetwork {
  readonly nodes = new Map<NodeId, NetworkNode>();
  queue: Message[] = [];
  private cut = new Set<string>();
  /** Messages matching this are dropped at send time. */
  dropIf: (m: Message) => boolean = () => false;
  readonly log: string[] = [];

  constructor(
    readonly ids: NodeId[],
    readonly options: { electionTicks?: number; heartbeatTicks?: number; seed?: number; perNode?: Record<NodeId, NodeOptions> } = {},
  ) {
    for (const id of ids) this.addNode(id, options.perNode?.[id] ?? {});
  }

  static ofSize(n: number, options: RaftNetwork['options'] = {}): RaftNetwork {
    return new RaftNetwork(Array.from({ length: n }, (_, i) => String(i + 1)), options);
  }

  /** A node joining later: `config.peers` / `learners` are its bootstrap membership. */
  join(id: NodeId, opts: NodeOptions = {}): void {
    if (this.nodes.has(id)) throw new Error(`node ${id} exists`);
    this.ids.push(id);
    this.addNode(id, { ...opts, config: { peers: [], ...opts.config } });
  }

  private addNode(id: NodeId, opts: NodeOptions): void {
    const storage = MemoryStorage.from(opts.entries ?? [], opts.hardState);
    const seed = (this.options.seed ?? 1) * 1000 + this.ids.indexOf(id);
    const config: RaftConfig = {
      id,
      peers: this.ids,
      electionTicks: this.options.electionTicks ?? 10,
      heartbeatTicks: this.options.heartbeatTicks ?? 1,
      random: seededRandom(seed),
      ...opts.config,
    };
    this.configs.set(id, config);
    const core = new RaftCore(config, storage);
    // A driver records the bootstrap membership with its first write, as any later one.
    storage.setConfState(core.status().conf);
    this.nodes.set(id, { id, core, storage, applied: [], appliedIndex: 0, readStates: [], pending: null });
  }

  private readonly configs = new Map<NodeId, RaftConfig>();

  /**
   * Crash and restart: volatile state and an unpersisted Ready are lost; the core is rebuilt
   * from the durable storage and the state machine's applied index.
   */
  restart(id: NodeId): void {
    const n = this.node(id);
    n.pending = null;
    n.core = new RaftCore({ ...this.configs.get(id)!, applied: n.appliedIndex }, n.storage);
  }

  node(id: NodeId): NetworkNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  core(id: NodeId): RaftCore {
    return this.node(id).core;
  }

  // ------------------------------------------------------------ faults

  /** Splits the cluster: `group` can only talk among itself, the rest among themselves. */
  partition(...group: NodeId[]): void {
    for (const a of this.ids) {
      for (const b of this.ids) {
        if (a !== b && group.includes(a) !== group.includes(b)) this.cut.add(`${a}->${b}`);
      }
    }
  }

  isolate(id: NodeId): void {
    this.partition(id);
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}->${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  // ------------------------------------------------------------ driving

  private enqueue(msgs: readonly Message[]): void {
    for (const m of msgs) {
      if (this.cut.has(`${m.from}->${m.to}`) || this.dropIf(m)) {
        if (m.type === 'snap') this.nodes.get(m.from)?.core.reportSnapshot(m.to, false);
        continue;
      }
      this.queue.push(m);
    }
  }

  /** The driver's snapshot-and-truncate: an image at the applied index, then the log up to `index`. */
  compact(id: NodeId, index?: number): Snapshot {
    const n = this.node(id);
    const { confState } = n.storage.initialState();
    const snap = n.storage.createSnapshot(n.appliedIndex, confState, encodeSnapshotData(n.applied));
    n.storage.compact(Math.min(index ?? n.appliedIndex, n.appliedIndex));
    return snap;
  }

  /** Driver step 1: take the Ready and send what may leave before persistence. */
  takeReady(id: NodeId): Ready | null {
    const n = this.node(id);
    if (n.pending !== null || !n.core.hasReady()) return null;
    const rd = n.core.ready();
    n.pending = rd;
    this.enqueue(rd.sendNow);
    return rd;
  }

  /** Driver steps 2–5: persist, send acks, apply, advance. */
  persistReady(id: NodeId): void {
    const n = this.node(id);
    const rd = n.pending;
    if (rd === null) return;
    n.pending = null;
    if (rd.snapshot && n.storage.applySnapshot(rd.snapshot)) {
      n.applied = decodeSnapshotData(rd.snapshot.data);
      n.appliedIndex = rd.snapshot.meta.index;
    }
    n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    this.enqueue(rd.sendAfterPersist);
    for (const e of rd.committed) {
      n.applied.push(e);
      n.appliedIndex = e.index;
      if (e.type === 'conf') n.storage.setConfState(n.core.applyConfChange(decodeConfChange(e.data)));
    }
    n.readStates.push(...rd.readStates);
    n.core.advance(rd);
  }

  processReady(id: NodeId): boolean {
    if (this.takeReady(id) === null) return false;
    this.persistReady(id);
    return true;
  }

  /** Delivers every queued message (those produced meanwhile wait for the next call). */
  deliverAll(filter: (m: Message) => boolean = () => true): number {
    const now = this.queue.filter(filter);
    this.queue = this.queue.filter((m) => !filter(m));
    for (const m of now) {
      const n = this.nodes.get(m.to);
      if (n !== undefined) n.core.step(m);
    }
    return now.length;
  }

  /** Processes Readys and delivers messages until nothing moves. Nodes in `stalled` keep their Ready. */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      let moved = false;
      for (const id of this.ids) {
        const n = this.node(id);
        if (n.pending !== null) continue; // a slow disk: the test persists it explicitly
        if (this.processReady(id)) moved = true;
      }
      if (this.deliverAll() > 0) moved = true;
      if (!moved) return;
    }
    throw new Error('network did not stabilize');
  }

  tick(id: NodeId, n = 1): void {
    for (let i = 0; i < n; i++) this.core(id).tick();
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) for (const id of this.ids) this.core(id).tick();
  }

  /** Ticks every node one tick at a time, stabilizing between ticks. */
  run(ticks: number): void {
    for (let i = 0; i < ticks; i++) {
      this.tickAll();
      this.stabilize();
    }
  }

  elect(id: NodeId): void {
    this.core(id).campaign();
    this.stabilize();
    const st = this.core(id).status();
    if (st.role !== 'leader') throw new Error(`${id} did not become leader (${st.role})`);
  }

  leaders(): NodeId[] {
    return this.ids.filter((id) => this.core(id).status().role === 'leader');
  }

  appliedData(id: NodeId): string[] {
    return this.node(id)
      .applied.filter((e) => e.type === 'normal')
      .map((e) => new TextDecoder().decode(e.data));
  }

  /** (index, term) pairs of a node's whole log, durable or not. */
  logTerms(id: NodeId): number[] {
    const st = this.core(id).status();
    const out: number[] = [];
    const s = this.node(id).storage;
    for (let i = s.firstIndex(); i <= st.lastIndex; i++) {
      const t = s.term(i);
      out.push(typeof t === 'number' ? t : -1);
    }
    return out;
  }
}
