import { MemoryStorage } from '../../memory-storage';
import { RaftCore, type RaftConfig } from '../../raft-core';
import type { Entry, Message, NodeId, ReadIndexResult, ProposeResult, Role } from '../../types';
import type { EventQueue } from './event-queue';
import type { GhostObserver } from './ghost-observer';
import { rollHash } from './log-hash';
import type { Prng } from './prng';
import { SimDisk, type DiskLatency, type DiskWrite } from './sim-disk';

/** What a node needs from the simulated world. */
export interface NodeHost {
  readonly queue: EventQueue;
  readonly observer: GhostObserver;
  transmit(m: Message): void;
  /** The state machine applied `e` on node `id`. */
  applied(id: NodeId, e: Entry): void;
  /** A ReadIndex answer reached node `id`. */
  readAnswered(id: NodeId, ctx: string, index: number): void;
}

export interface SimNodeConfig {
  readonly id: NodeId;
  /** Position in the cluster (for the event queue). */
  readonly n: number;
  readonly peers: readonly NodeId[];
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** This node's tick interval, ms (drift included). */
  readonly tickInterval: number;
  readonly disk: DiskLatency;
  /** See SimOptions.driverBug. */
  readonly skipFsync?: boolean;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * One simulated process: a RaftCore driven as the real driver will drive it (raft.md §2.3), over
 * a simulated disk. Ticks come at a fixed interval of this node's (drifting) clock; every Ready is
 * handled by `handleReady`, whose disk write takes simulated time.
 */
export class SimNode {
  readonly id: NodeId;
  readonly n: number;
  readonly disk: SimDisk;
  core: RaftCore | null = null;
  /** Bumped on every crash: events of an earlier life are ignored. */
  incarnation = 0;
  /** Events for this node are held until then (a paused process). */
  pausedUntil = 0;
  restarts = 0;
  private view = new MemoryStorage();
  /** A Ready is being persisted: the next ready() waits for its advance(). */
  private persisting = false;
  /** Role and term as of the last Ready (what the core reported). */
  private role: Role = 'follower';
  private term = 0;
  private smApplied = 0;
  private smHash = 0;

  constructor(
    private readonly cfg: SimNodeConfig,
    private readonly host: NodeHost,
    private readonly coreRng: Prng,
    diskRng: Prng,
    private readonly tickPhase: Prng,
  ) {
    this.id = cfg.id;
    this.n = cfg.n;
    this.disk = new SimDisk(diskRng, cfg.disk);
  }

  get up(): boolean {
    return this.core !== null;
  }

  /** (Re)starts the process from its durable image, through the core's normal constructor. */
  start(): void {
    if (this.core !== null) throw new Error(`${this.id} is already running`);
    const rec = this.disk.recover();
    this.host.observer.boot(this.id, rec);
    this.view = MemoryStorage.from(rec.entries, rec.hardState);
    const config: RaftConfig = {
      id: this.id,
      peers: this.cfg.peers,
      electionTicks: this.cfg.electionTicks,
      heartbeatTicks: this.cfg.heartbeatTicks,
      random: () => this.coreRng.next(),
      applied: rec.applied,
    };
    this.core = new RaftCore(config, this.view);
    this.persisting = false;
    this.role = 'follower';
    this.term = rec.hardState.term;
    this.smApplied = rec.applied;
    this.smHash = rec.appliedHash;
    const inc = this.incarnation;
    this.scheduleTick(inc, this.tickPhase.next() * this.cfg.tickInterval);
    this.pump();
  }

  /** kill -9: volatile state, in-flight I/O and unsynced writes are gone. */
  crash(): void {
    if (this.core === null) return;
    this.core = null;
    this.incarnation++;
    this.restarts++;
    this.disk.crash();
  }

  private scheduleTick(inc: number, delay: number): void {
    this.host.queue.after(
      delay,
      'tick',
      this.n,
      () => {
        if (inc !== this.incarnation || this.core === null) return;
        this.core.tick();
        this.pump();
        this.scheduleTick(inc, this.cfg.tickInterval);
      },
      () => `tick ${this.id}`,
    );
  }

  step(m: Message): void {
    if (this.core === null) return;
    this.core.step(m);
    this.pump();
  }

  propose(value: string): ProposeResult | 'down' {
    if (this.core === null) return 'down';
    const r = this.core.propose(encoder.encode(value));
    this.pump();
    return r;
  }

  readIndex(ctx: string): ReadIndexResult | 'down' {
    if (this.core === null) return 'down';
    const r = this.core.readIndex(encoder.encode(ctx));
    this.pump();
    return r;
  }

  /** The driver loop: one Ready at a time, each fully handled before the next is taken. */
  pump(): void {
    while (this.core !== null && !this.persisting && this.core.hasReady()) this.handleReady();
  }

  /**
   * Everything the driver does with a Ready, in the order the contract requires (types.ts
   * `Ready`): send `sendNow`; write hard state + entries as one batch, fsynced when mustSync;
   * once the write completes, send `sendAfterPersist`, apply `committed`, serve read states and
   * advance. Kept in one function so snapshots and conf changes can be added in one place.
   */
  private handleReady(): void {
    const core = this.core!;
    const rd = core.ready();
    if (rd.softState !== undefined) this.role = rd.softState.role;
    if (rd.hardState !== undefined) this.term = rd.hardState.term;
    const host = this.host;
    host.observer.ready(this.id, { role: this.role, term: this.term }, rd);

    // 1. Messages that may leave before the disk write (leader appends, heartbeats, pre-votes).
    for (const m of rd.sendNow) this.send(m);

    // 2. One atomic batch. Later: rd.snapshot goes into the same batch.
    const write: DiskWrite = { hardState: rd.hardState, entries: rd.entries };
    const hasWrite = rd.hardState !== undefined || rd.entries.length > 0;
    if (hasWrite) this.disk.write(write);

    const finish = () => {
      if (rd.mustSync && !this.cfg.skipFsync) {
        this.disk.sync();
        host.observer.synced(this.id, this.disk.hardState);
      }
      this.view.append(rd.entries);
      if (rd.hardState !== undefined) this.view.setHardState(rd.hardState);
      // 3. Now durable: acks and votes may leave.
      for (const m of rd.sendAfterPersist) this.send(m);
      // 4. Apply. The applied point goes to disk with the state machine's effects (one batch,
      //    raft.md §1.1 item 3), unsynced: after a crash the tail is applied again.
      //    Later: conf-change entries are applied here (core.applyConfChange).
      for (const e of rd.committed) {
        this.smHash = rollHash(this.smHash, e);
        this.smApplied = e.index;
        host.observer.applied(this.id, e);
        host.applied(this.id, e);
      }
      if (rd.committed.length > 0) this.disk.write({ applied: { index: this.smApplied, hash: this.smHash } });
      // Read states: a real server serves each once applied >= index.
      for (const rs of rd.readStates) host.readAnswered(this.id, decoder.decode(rs.ctx), rs.index);
      // 5.
      core.advance(rd);
    };

    if (!hasWrite) {
      finish();
      return;
    }
    this.persisting = true;
    const inc = this.incarnation;
    host.queue.after(
      this.disk.writeTime(rd.mustSync),
      'disk',
      this.n,
      () => {
        if (inc !== this.incarnation) return; // crashed meanwhile: the write's fate was decided by crash()
        this.persisting = false;
        finish();
        this.pump();
      },
      () =>
        `persist ${this.id} ${rd.entries.length > 0 ? `entries ${rd.entries[0].index}..${rd.entries[rd.entries.length - 1].index} ` : ''}` +
        `${rd.hardState ? `hs t${rd.hardState.term} v${rd.hardState.vote} c${rd.hardState.commit} ` : ''}${rd.mustSync ? 'fsync' : ''}`,
    );
  }

  private send(m: Message): void {
    this.host.observer.sent(this.id, m, this.disk);
    this.host.transmit(m);
  }
}
