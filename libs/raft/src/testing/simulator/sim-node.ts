import { decodeConfChange } from '../../conf-change';
import { RaftCore, type RaftConfig } from '../../raft-core';
import type { ConfChange, ConfState, Entry, Message, NodeId, ReadIndexResult, ProposeResult, Role } from '../../types';
import type { EventQueue } from './event-queue';
import type { GhostObserver } from './ghost-observer';
import type { Prng } from './prng';
import { SimDisk, type DiskLatency, type DiskWrite } from './sim-disk';
import { SimLogView } from './sim-log-view';
import type { DriverBug } from './sim-options';
import { decodeImage, encodeImage, SimStateMachine } from './sim-state-machine';

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

/** When and how much of its log a node compacts (drawn per run). */
export interface CompactionOptions {
  /** Probability, after each Ready that applied something, of compacting. */
  readonly chance: number;
  /** Entries kept behind the compaction point: uniform in [0, maxTrailing]. */
  readonly maxTrailing: number;
  /** Probability that the log view answers 'temporarily-unavailable' when asked for a snapshot. */
  readonly snapshotUnavailable: number;
}

export interface SimNodeConfig {
  readonly id: NodeId;
  /** Position in the cluster (for the event queue). */
  readonly n: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** This node's tick interval, ms (drift included). */
  readonly tickInterval: number;
  readonly disk: DiskLatency;
  readonly compaction: CompactionOptions;
  /** See SimOptions.driverBug. */
  readonly driverBug?: DriverBug;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const NO_CONF: ConfState = { voters: [], learners: [] };

/**
 * One simulated process: a RaftCore driven as the real driver (driver/raft-node.ts) drives it,
 * over a simulated disk. Ticks come at a fixed interval of this node's (drifting) clock; every
 * Ready is handled by `handleReady`, whose disk write takes simulated time; between Readys the
 * log is compacted at random points (never past the applied index).
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
  /**
   * The membership the process is started with (RaftConfig.peers / learners); it only counts
   * until the disk holds one. null: never started (a spare id).
   */
  bootstrap: ConfState | null = null;
  /** Shut down for good after its removal (a retired process is never restarted). */
  retired = false;
  private view = new SimLogView();
  private readonly sm = new SimStateMachine();
  /** A Ready is being persisted: the next ready() waits for its advance(). */
  private persisting = false;
  /** Role and term as of the last Ready (what the core reported). */
  private role: Role = 'follower';
  private term = 0;

  constructor(
    private readonly cfg: SimNodeConfig,
    private readonly host: NodeHost,
    private readonly coreRng: Prng,
    diskRng: Prng,
    private readonly tickPhase: Prng,
    private readonly driverRng: Prng,
  ) {
    this.id = cfg.id;
    this.n = cfg.n;
    this.disk = new SimDisk(diskRng, cfg.disk);
  }

  get up(): boolean {
    return this.core !== null;
  }

  /** The state machine's applied index (in memory). */
  get applied(): number {
    return this.sm.applied;
  }

  /**
   * (Re)starts the process from its durable image, through the core's normal constructor: the
   * log after its base, the stored membership (or the bootstrap one), the applied index.
   */
  start(): void {
    if (this.core !== null) throw new Error(`${this.id} is already running`);
    if (this.bootstrap === null) throw new Error(`${this.id} has no bootstrap membership`);
    const rec = this.disk.recover();
    this.host.observer.boot(this.id, rec);
    const view = new SimLogView();
    // As DurableLog.load: the base carries no data (the state machine is the image at or after it).
    if (rec.base.index > 0) view.applySnapshot({ meta: { index: rec.base.index, term: rec.base.term, conf: rec.conf ?? NO_CONF }, data: new Uint8Array(0) });
    view.setConfState(rec.conf ?? this.bootstrap);
    view.append(rec.entries);
    view.setHardState(rec.hardState);
    view.source = () => ({ index: this.sm.applied, data: encodeImage(this.sm.image()) });
    const unavailable = this.cfg.compaction.snapshotUnavailable;
    view.unavailable = () => unavailable > 0 && this.driverRng.chance(unavailable);
    this.view = view;
    this.sm.restore(rec.sm);
    const config: RaftConfig = {
      id: this.id,
      peers: this.bootstrap.voters,
      learners: this.bootstrap.learners,
      electionTicks: this.cfg.electionTicks,
      heartbeatTicks: this.cfg.heartbeatTicks,
      random: () => this.coreRng.next(),
      applied: rec.sm.applied,
    };
    this.core = new RaftCore(config, this.view);
    this.persisting = false;
    this.role = 'follower';
    this.term = rec.hardState.term;
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

  proposeConfChange(cc: ConfChange): ProposeResult | 'down' {
    if (this.core === null) return 'down';
    const r = this.core.proposeConfChange(cc);
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
   * `Ready`, README "Snapshots and compaction" and "Membership changes"), as driver/raft-node.ts
   * `handle` does it:
   *  1. send `sendNow`, reporting every snapshot handed to the network as delivered;
   *  2. one atomic batch, fsynced when mustSync: an installed snapshot first (state machine,
   *     log, base and membership replaced), then entries and hard state, then the state
   *     machine's image after applying `committed` (in memory now) and, for each conf entry,
   *     the membership applyConfChange returned;
   *  3. once the write completes: send `sendAfterPersist`, tell the state machine's clients,
   *     serve read states, advance; then maybe compact.
   */
  private handleReady(): void {
    const core = this.core!;
    const rd = core.ready();
    if (rd.softState !== undefined) this.role = rd.softState.role;
    if (rd.hardState !== undefined) this.term = rd.hardState.term;
    const host = this.host;
    host.observer.ready(this.id, { role: this.role, term: this.term }, rd);

    // 1. Messages that may leave before the disk write (leader appends, heartbeats, snapshots).
    for (const m of rd.sendNow) {
      this.send(m);
      // The transport took the snapshot whole; if it is lost, the follower's answers show it.
      if (m.type === 'snap') core.reportSnapshot(m.to, true);
    }

    // 2. One atomic batch.
    let write: DiskWrite = {};
    const snap = rd.snapshot;
    if (snap !== undefined) {
      const img = decodeImage(snap.data);
      this.sm.restore(img);
      this.view.applySnapshot(snap);
      this.view.remember(snap);
      write = { snapshot: { base: { index: snap.meta.index, term: snap.meta.term }, conf: snap.meta.conf, sm: img } };
    }
    if (rd.entries.length > 0) write = { ...write, entries: rd.entries };
    if (rd.hardState !== undefined) write = { ...write, hardState: rd.hardState };
    const confs: { index: number; conf: ConfState }[] = [];
    // The core may ask the view for a snapshot from inside applyConfChange (a leader probing a
    // new member): the state machine must not be past the conf entry while the view's
    // membership is still the one before it, or the snapshot pairs an image at i with the
    // membership of an earlier index. So each conf entry changes the membership first, then the
    // state machine applies it. (driver/raft-node.ts applies every committed entry first:
    // driverBug 'apply-before-conf' reproduces that order.)
    const applyFirst = this.cfg.driverBug === 'apply-before-conf';
    if (applyFirst) for (const e of rd.committed) this.sm.apply(e);
    for (const e of rd.committed) {
      if (e.type === 'conf') {
        // In order and exactly once per conf entry; the result is stored with the applied index.
        const conf = core.applyConfChange(decodeConfChange(e.data));
        this.view.setConfState(conf);
        confs.push({ index: e.index, conf });
        write = { ...write, conf };
      }
      if (!applyFirst) this.sm.apply(e);
    }
    if (rd.committed.length > 0) write = { ...write, sm: this.sm.image() };
    const hasWrite = Object.keys(write).length > 0;
    if (hasWrite) this.disk.write(write);

    const finish = () => {
      if ((rd.mustSync || snap !== undefined) && this.cfg.driverBug !== 'skip-fsync') {
        this.disk.sync();
        host.observer.synced(this.id, this.disk.hardState);
      }
      this.view.append(rd.entries);
      if (rd.hardState !== undefined) this.view.setHardState(rd.hardState);
      // 3. Now durable: acks and votes may leave.
      for (const m of rd.sendAfterPersist) this.send(m);
      if (snap !== undefined) host.observer.installed(this.id, snap);
      let c = 0;
      for (const e of rd.committed) {
        host.observer.applied(this.id, e);
        if (e.type === 'conf') host.observer.confApplied(this.id, e.index, confs[c++].conf);
        host.applied(this.id, e);
      }
      // Read states: a real server serves each once applied >= index.
      for (const rs of rd.readStates) host.readAnswered(this.id, decoder.decode(rs.ctx), rs.index);
      core.advance(rd);
      if (rd.committed.length > 0) this.maybeCompact();
    };

    if (!hasWrite) {
      finish();
      return;
    }
    this.persisting = true;
    const inc = this.incarnation;
    host.queue.after(
      this.disk.writeTime(rd.mustSync || snap !== undefined),
      'disk',
      this.n,
      () => {
        if (inc !== this.incarnation) return; // crashed meanwhile: the write's fate was decided by crash()
        this.persisting = false;
        finish();
        this.pump();
      },
      () =>
        `persist ${this.id} ${snap ? `snapshot ${snap.meta.index} ` : ''}` +
        `${rd.entries.length > 0 ? `entries ${rd.entries[0].index}..${rd.entries[rd.entries.length - 1].index} ` : ''}` +
        `${rd.hardState ? `hs t${rd.hardState.term} v${rd.hardState.vote} c${rd.hardState.commit} ` : ''}` +
        `${rd.committed.length > 0 ? `apply ..${rd.committed[rd.committed.length - 1].index} ` : ''}` +
        `${confs.length > 0 ? `conf ${confs.map((x) => x.index).join(',')} ` : ''}${rd.mustSync ? 'fsync' : ''}`,
    );
  }

  /**
   * Drops the log up to a random point at or below the applied index, keeping a random trailing
   * window (driver/raft-node.ts `maybeCompact`: an unsynced batch, between Readys). What is
   * dropped is in the state machine's image, written with or before this batch.
   */
  private maybeCompact(): void {
    const c = this.cfg.compaction;
    if (c.chance <= 0 || !this.driverRng.chance(c.chance)) return;
    const upTo = this.sm.applied - this.driverRng.int(0, c.maxTrailing);
    if (upTo < this.view.firstIndex()) return;
    const term = this.view.term(upTo);
    if (typeof term !== 'number') return;
    this.disk.write({ compact: { index: upTo, term } });
    this.view.compact(upTo);
    this.host.observer.compacted(this.id, upTo);
  }

  private send(m: Message): void {
    this.host.observer.sent(this.id, m, this.disk);
    this.host.transmit(m);
  }
}
