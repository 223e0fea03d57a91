import { applyChange } from '../../conf-change';
import type { ConfState, Entry, Message, NodeId } from '../../types';
import { EventQueue, type EventKind, type SimEvent } from './event-queue';
import { GhostObserver } from './ghost-observer';
import { MembershipWorkload, type MembershipHost } from './membership';
import { Prng } from './prng';
import { SimNetwork } from './sim-network';
import { SimNode, type NodeHost } from './sim-node';
import { describeOptions, type FaultKind, type SimOptions } from './sim-options';
import { Workload } from './workload';

/** A run failed: the message carries the replay command, the run's options and a trace tail. */
export class SimulationFailure extends Error {
  override readonly name = 'SimulationFailure';
}

export interface SimResult {
  readonly events: number;
  readonly simTime: number;
  readonly leaders: number;
  readonly applied: number;
  readonly writesAcked: number;
  readonly readsAcked: number;
  readonly restarts: number;
  readonly snapshotsInstalled: number;
  readonly compactions: number;
  readonly confChanges: number;
  readonly joined: number;
  readonly retired: number;
  /** Liveness mode: simulated ms from the heal to the liveness goal. */
  readonly recoveredIn?: number;
}

/** Events a paused process does not see until it resumes. */
const DEFERRABLE: ReadonlySet<EventKind> = new Set(['tick', 'deliver', 'disk', 'client']);
const MARKER = 'liveness-marker';
const decoder = new TextDecoder();

/**
 * Deterministic whole-cluster simulation (raft.md §3.2–3.4): N RaftCores driven like real
 * processes over a simulated clock, network and disk, with faults drawn from one seed, clients,
 * and the ghost observer checking safety after every event.
 *
 * Modes: 'safety' injects faults until `steps` events have run. 'liveness' then picks a core
 * quorum, heals everything among it (restarts, resumes, reliable links), leaves the other nodes
 * broken (down, isolated, or cut in one direction), and requires within 10 max election timeouts
 * exactly one leader in the core and a new proposal applied on every core node.
 */
export class ClusterSimulator implements NodeHost, MembershipHost {
  readonly queue = new EventQueue();
  readonly observer: GhostObserver;
  readonly nodes: SimNode[];
  readonly network: SimNetwork;
  private readonly workload: Workload;
  private readonly membership: MembershipWorkload;
  private readonly ids: NodeId[];
  private readonly nemesis: Prng;
  private readonly deferred: SimEvent[][];
  private readonly pauseGen: number[];
  private readonly trace: { ev: SimEvent; step: number }[] = [];
  private events = 0;
  private phase: 'faults' | 'liveness' | 'done' = 'faults';
  private partitionGen = 0;
  private coreNodes: number[] = [];
  private readonly inCore: boolean[];
  /** Index of the first liveness marker applied anywhere (a committed entry); 0 until then. */
  private markerIndex = 0;
  private healedAt = 0;
  private recoveredAt = -1;
  private readonly notes: string[] = [];

  constructor(readonly opts: SimOptions) {
    const root = new Prng(opts.seed);
    // Founders 1..nodes; spare ids after them join through membership changes.
    const founders = Array.from({ length: opts.nodes }, (_, i) => String(i + 1));
    const n = opts.nodes + opts.membership.spares;
    this.ids = Array.from({ length: n }, (_, i) => String(i + 1));
    // With a deliberately broken driver, the direct ack-vs-fsync check is off so that the
    // Raft-level properties have to catch the consequences.
    this.observer = new GhostObserver(this.ids, { checkAcks: opts.driverBug !== 'skip-fsync', voters: founders });
    this.nemesis = root.fork('nemesis');
    this.deferred = this.ids.map(() => []);
    this.pauseGen = new Array<number>(n).fill(0);
    this.inCore = new Array<boolean>(n).fill(false);
    const driftRng = root.fork('drift');
    this.nodes = this.ids.map((id, i) => {
      const drift = driftRng.between(-opts.maxDrift, opts.maxDrift);
      return new SimNode(
        {
          id,
          n: i,
          electionTicks: opts.electionTicks,
          heartbeatTicks: opts.heartbeatTicks,
          tickInterval: opts.tickMs * (1 + drift),
          disk: opts.disk,
          compaction: opts.compaction,
          driverBug: opts.driverBug,
        },
        this,
        root.fork(`core-${id}`),
        root.fork(`disk-${id}`),
        root.fork(`tick-${id}`),
        root.fork(`driver-${id}`),
      );
    });
    for (const node of this.nodes.slice(0, opts.nodes)) node.bootstrap = { voters: founders, learners: [] };
    this.network = new SimNetwork(
      n,
      this.queue,
      root.fork('network'),
      opts.network,
      (to, m) => this.nodes[to].step(m),
      (id) => Number(id) - 1,
    );
    this.workload = new Workload(this.queue, this.nodes, this.observer, root.fork('workload'), opts.workload);
    this.membership = new MembershipWorkload(this, root.fork('membership'), opts.membership, opts.nodes);
  }

  // ------------------------------------------------------------------ NodeHost

  transmit(m: Message): void {
    this.network.send(m);
  }

  applied(id: NodeId, e: Entry): void {
    if (e.type !== 'normal') return;
    const value = decoder.decode(e.data);
    if (value === MARKER) {
      if (this.phase === 'liveness' && this.markerIndex === 0) this.markerIndex = e.index;
      return;
    }
    this.workload.applied(value);
  }

  readAnswered(id: NodeId, ctx: string, index: number): void {
    this.observer.readAnswered(id, ctx, index);
    this.workload.readAnswered(ctx);
  }

  // ------------------------------------------------------------------ MembershipHost

  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    let term = -1;
    for (const x of this.nodes) {
      const st = x.core !== null && x.pausedUntil <= this.queue.now ? x.core.status() : null;
      if (st !== null && st.role === 'leader' && st.term > term) {
        best = x;
        term = st.term;
      }
    }
    return best;
  }

  join(n: number, bootstrap: ConfState): void {
    const node = this.nodes[n];
    node.bootstrap = bootstrap;
    node.start();
    this.checkNode(n);
    this.note(`join ${node.id} (bootstrap voters ${bootstrap.voters.join(',')} learners ${bootstrap.learners.join(',')})`);
  }

  retire(n: number): void {
    const node = this.nodes[n];
    if (node.up) this.crash(n);
    node.retired = true;
    this.note(`retire ${node.id}`);
  }

  /** Nodes whose process exists (started once, not retired): the ones faults and clients reach. */
  private existing(): number[] {
    return this.nodes.filter((x) => x.bootstrap !== null && !x.retired).map((x) => x.n);
  }

  // ------------------------------------------------------------------ running

  run(): SimResult {
    try {
      for (const node of this.nodes) {
        if (node.bootstrap === null) continue;
        node.start();
        this.checkNode(node.n);
      }
      this.workload.start();
      this.membership.start();
      this.scheduleNemesis();
      this.loop();
    } catch (err) {
      throw new SimulationFailure(this.report(err));
    }
    return {
      events: this.events,
      simTime: this.queue.now,
      leaders: this.observer.stats.leaders,
      applied: this.observer.stats.applied,
      writesAcked: this.workload.stats.writesAcked,
      readsAcked: this.workload.stats.readsAcked,
      restarts: this.nodes.reduce((s, x) => s + x.restarts, 0),
      snapshotsInstalled: this.observer.stats.snapshotsInstalled,
      compactions: this.observer.stats.compactions,
      confChanges: this.observer.stats.confChanges,
      joined: this.membership.stats.joined,
      retired: this.membership.stats.retired,
      recoveredIn: this.recoveredAt >= 0 ? this.recoveredAt - this.healedAt : undefined,
    };
  }

  private loop(): void {
    const traceLength = this.opts.traceLength;
    for (;;) {
      const ev = this.queue.pop();
      if (ev === undefined) throw new Error('the event queue ran dry');
      if (ev.node >= 0 && DEFERRABLE.has(ev.kind) && this.nodes[ev.node].pausedUntil > ev.time) {
        this.deferred[ev.node].push(ev);
        continue;
      }
      this.events++;
      if (traceLength > 0) {
        if (this.trace.length >= traceLength) this.trace.shift();
        this.trace.push({ ev, step: this.events });
      }
      ev.run();
      if (ev.node >= 0) this.checkNode(ev.node);
      if (this.phase === 'faults' && this.events >= this.opts.steps) {
        if (this.opts.mode === 'safety') break;
        this.beginLiveness();
      }
      if (this.phase === 'liveness' && this.livenessReached()) break;
    }
    this.phase = 'done';
  }

  /** The ghost observer's per-event check of one node. */
  private checkNode(n: number): void {
    const core = this.nodes[n].core;
    if (core !== null) this.observer.afterEvent(this.ids[n], core.status());
  }

  // ------------------------------------------------------------------ nemesis

  private scheduleNemesis(): void {
    const f = this.opts.faults;
    if (!Number.isFinite(f.meanInterval)) return;
    this.queue.after(
      this.nemesis.exp(f.meanInterval),
      'fault',
      -1,
      () => {
        if (this.phase !== 'faults') return;
        this.injectFault(this.drawFault());
        this.scheduleNemesis();
      },
      () => 'nemesis',
    );
  }

  private drawFault(): FaultKind {
    const w = this.opts.faults.weights;
    const kinds = Object.keys(w) as FaultKind[];
    const total = kinds.reduce((s, k) => s + w[k], 0);
    let r = this.nemesis.next() * total;
    for (const k of kinds) {
      r -= w[k];
      if (r < 0) return k;
    }
    return 'heal';
  }

  private injectFault(kind: FaultKind): void {
    const rng = this.nemesis;
    const f = this.opts.faults;
    const all = this.existing();
    const n = all.length;
    switch (kind) {
      case 'partition': {
        if (n < 2) return;
        const mode = rng.pick(['halves', 'size', 'isolate', 'asymmetric', 'asymmetric-isolate'] as const);
        let side: number[];
        if (mode === 'isolate' || mode === 'asymmetric-isolate') side = [rng.pick(all)];
        else if (mode === 'size') side = rng.shuffle(all).slice(0, rng.int(1, n - 1));
        else side = rng.subset(all);
        const oneWay = mode.startsWith('asymmetric');
        this.network.partition(side, oneWay);
        const gen = ++this.partitionGen;
        this.note(`partition ${mode}: ${this.network.describePartitions()}`);
        this.queue.after(
          rng.exp(f.meanPartition),
          'fault',
          -1,
          () => {
            if (this.phase !== 'faults' || gen !== this.partitionGen) return;
            this.network.healPartitions();
            this.note('partition healed');
          },
          () => `heal partition #${gen}`,
        );
        return;
      }
      case 'clog': {
        if (n < 2) return;
        const until = this.queue.now + rng.exp(f.meanClog);
        if (rng.chance(0.3)) {
          // Clog every path of one node, one way or both.
          const x = rng.pick(all);
          for (const y of all) {
            this.network.clog(x, y, until);
            this.network.clog(y, x, until);
          }
          this.note(`clog all paths of ${x + 1} until ${until.toFixed(1)}`);
        } else {
          const a = rng.pick(all);
          const b = rng.pick(all.filter((y) => y !== a));
          this.network.clog(a, b, until);
          this.note(`clog ${a + 1}->${b + 1} until ${until.toFixed(1)}`);
        }
        return;
      }
      case 'swizzle': {
        // FoundationDB's swizzle-clog: clog a random subset of nodes one at a time (every path
        // in and out), then unclog them in a different random order.
        if (n < 2) return;
        const victims = rng.shuffle(all).slice(0, rng.int(1, n));
        const step = rng.exp(f.meanClog / 4);
        const unclogOrder = rng.shuffle(victims);
        const start = this.queue.now;
        const end = start + victims.length * step + rng.exp(f.meanClog);
        victims.forEach((x, i) => {
          const until = end + unclogOrder.indexOf(x) * step;
          this.queue.at(
            start + i * step,
            'fault',
            -1,
            () => {
              if (this.phase !== 'faults') return;
              for (const y of all) {
                this.network.clog(x, y, until);
                this.network.clog(y, x, until);
              }
            },
            () => `swizzle-clog ${x + 1} until ${until.toFixed(1)}`,
          );
        });
        this.note(`swizzle-clog ${victims.map((x) => x + 1).join(',')} (unclog order ${unclogOrder.map((x) => x + 1).join(',')})`);
        return;
      }
      case 'crash': {
        const up = this.nodes.filter((x) => x.up);
        if (up.length === 0) return;
        const node = rng.pick(up);
        this.crash(node.n);
        const inc = node.incarnation;
        this.queue.after(
          rng.exp(f.meanDown),
          'fault',
          node.n,
          () => {
            if (this.phase !== 'faults' || node.up || node.retired || node.incarnation !== inc) return;
            this.restart(node.n);
          },
          () => `restart ${node.id}`,
        );
        return;
      }
      case 'pause': {
        const candidates = this.nodes.filter((x) => x.up && x.pausedUntil <= this.queue.now);
        if (candidates.length === 0) return;
        const node = rng.pick(candidates);
        const until = this.queue.now + rng.exp(f.meanPause);
        node.pausedUntil = until;
        const gen = ++this.pauseGen[node.n];
        this.note(`pause ${node.id} until ${until.toFixed(1)}`);
        this.queue.at(until, 'fault', node.n, () => gen === this.pauseGen[node.n] && this.resume(node.n), () => `resume ${node.id}`);
        return;
      }
      case 'heal':
        this.network.healPartitions();
        this.network.unclogAll();
        this.note('heal network');
        return;
    }
  }

  private crash(n: number): void {
    const node = this.nodes[n];
    node.crash();
    // A killed process's socket buffers and timers die with it.
    node.pausedUntil = 0;
    this.pauseGen[n]++;
    this.deferred[n] = [];
    this.note(`crash ${node.id}`);
  }

  private restart(n: number): void {
    this.nodes[n].start();
    this.note(`restart ${this.ids[n]}`);
  }

  private resume(n: number): void {
    const node = this.nodes[n];
    node.pausedUntil = 0;
    const held = this.deferred[n];
    this.deferred[n] = [];
    for (const ev of held) this.queue.at(this.queue.now, ev.kind, ev.node, ev.run, ev.describe);
    this.note(`resume ${node.id}`);
  }

  note(s: string): void {
    if (this.opts.traceLength <= 0) return;
    this.notes.push(`t=${this.queue.now.toFixed(2)} ${s}`);
    if (this.notes.length > 12) this.notes.shift();
  }

  // ------------------------------------------------------------------ liveness

  /**
   * Raft.md §3.2 liveness mode: heal a core, leave the rest broken. The membership stops
   * changing; the core is a majority of the current membership, and also of every membership
   * that may still take effect: an uncommitted conf entry in some log, and the older ones a
   * core member may still hold (it elects and commits with its own until it applies more).
   */
  private beginLiveness(): void {
    this.phase = 'liveness';
    this.membership.stop();
    this.healedAt = this.queue.now;
    const rng = this.nemesis.fork('liveness');
    const obs = this.observer;
    const committed = obs.committedConf;
    const pending = obs.pendingConfChanges();
    if (this.membership.lastAccepted !== null) pending.push(this.membership.lastAccepted);
    const confs: ConfState[] = [committed, ...pending.map((cc) => applyChange(committed, cc))];
    const idx = (id: NodeId) => Number(id) - 1;
    const core = new Set<number>();
    const seen = new Set<number>();
    for (let grew = true; grew; ) {
      grew = false;
      for (const conf of confs) {
        const voters = conf.voters.map(idx);
        let have = voters.filter((v) => core.has(v)).length;
        for (const v of rng.shuffle(voters)) {
          if (2 * have > voters.length) break;
          if (core.has(v)) continue;
          core.add(v);
          have++;
          grew = true;
        }
      }
      for (const c of core) {
        if (seen.has(c)) continue;
        seen.add(c);
        this.healCoreNode(c);
        // The memberships this member may still act on: its own, and every later committed one.
        confs.push(...obs.confsSince(this.nodes[c].applied));
      }
    }
    this.coreNodes = [...core].sort((a, b) => a - b);
    for (const c of this.coreNodes) this.inCore[c] = true;
    this.network.makeReliable(this.coreNodes);
    this.workload.targets = this.coreNodes;
    const modes: string[] = [];
    for (const x of this.existing()) {
      if (this.inCore[x]) continue;
      const mode = rng.pick(['down', 'isolated', 'deaf', 'mute'] as const);
      modes.push(`${x + 1}:${mode}`);
      if (mode === 'down') {
        if (this.nodes[x].up) this.crash(x);
        continue;
      }
      if (this.nodes[x].pausedUntil > 0) this.resume(x);
      if (!this.nodes[x].up) this.restart(x);
      this.checkNode(x);
      for (const c of this.coreNodes) {
        // deaf: hears nothing from the core (but reaches it); mute: the core never hears it.
        this.network.setBlocked(c, x, mode === 'isolated' || mode === 'deaf');
        this.network.setBlocked(x, c, mode === 'isolated' || mode === 'mute');
      }
    }
    this.note(
      `liveness: core ${this.coreNodes.map((c) => c + 1).join(',')} (voters ${committed.voters.join(',')}); ` +
        `others ${modes.join(' ') || 'none'}`,
    );
    const o = this.opts;
    const maxElectionTimeout = 2 * o.electionTicks * o.tickMs * (1 + o.maxDrift);
    const bound = 10 * maxElectionTimeout;
    this.queue.after(
      bound,
      'check',
      -1,
      () => {
        if (this.phase !== 'liveness') return;
        const leaders = this.coreNodes.filter((c) => this.nodes[c].core?.status().role === 'leader');
        throw new Error(
          `liveness: within ${bound.toFixed(0)}ms (10 max election timeouts) of healing core ` +
            `${this.coreNodes.map((c) => c + 1).join(',')}, the core did not get exactly one leader and ` +
            `the marker applied on its members (leaders ${leaders.map((c) => c + 1).join(',') || 'none'}, ` +
            `marker at ${this.markerIndex || 'none'}, applied on ${this.coreNodes.filter((c) => this.markerIndex > 0 && this.nodes[c].applied >= this.markerIndex).map((c) => c + 1).join(',') || 'none'})`,
        );
      },
      () => 'liveness deadline',
    );
    this.probe(o.electionTicks * o.tickMs);
  }

  /** A core node runs, unpaused (a retired one is brought back: its disk is intact). */
  private healCoreNode(c: number): void {
    const node = this.nodes[c];
    node.retired = false;
    if (node.pausedUntil > 0) this.resume(c);
    if (!node.up) this.restart(c);
    this.checkNode(c);
  }

  /** Proposes the marker at the core's leader (or any core node) until the goal is reached. */
  private probe(every: number): void {
    this.queue.after(
      every,
      'check',
      -1,
      () => {
        if (this.phase !== 'liveness') return;
        const leader = this.coreNodes.find((c) => this.nodes[c].core?.status().role === 'leader');
        const target = leader ?? this.nemesis.pick(this.coreNodes);
        this.queue.after(0, 'client', target, () => this.nodes[target].propose(MARKER), () => `propose marker at ${target + 1}`);
        this.probe(every);
      },
      () => 'liveness probe',
    );
  }

  /** Exactly one leader in the core, and every core node in its membership applied the marker. */
  private livenessReached(): boolean {
    if (this.markerIndex === 0) return false;
    const leaders = this.coreNodes.filter((c) => this.nodes[c].core?.status().role === 'leader');
    if (leaders.length !== 1) return false;
    const conf = this.nodes[leaders[0]].core!.status().conf;
    const members = new Set([...conf.voters, ...conf.learners]);
    for (const c of this.coreNodes) if (members.has(this.ids[c]) && this.nodes[c].applied < this.markerIndex) return false;
    const inCore = conf.voters.filter((v) => this.inCore[Number(v) - 1]).length;
    if (2 * inCore <= conf.voters.length) {
      throw new Error(`simulator: the core ${this.coreNodes.map((c) => c + 1).join(',')} is not a majority of the leader's voters ${conf.voters.join(',')}`);
    }
    this.recoveredAt = this.queue.now;
    return true;
  }

  // ------------------------------------------------------------------ reporting

  private report(err: unknown): string {
    const o = this.opts;
    const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const lines = [
      `Simulation failed — seed ${o.seed}, ${o.mode} mode, event ${this.events}, t=${this.queue.now.toFixed(2)}ms (${this.phase} phase)`,
      `  ${msg}`,
      '',
      `Replay: ${o.replay}`,
      `Options: ${describeOptions(o)}`,
      '',
      'Nodes:',
      ...this.nodes.map((x) => `  ${this.describeNode(x)}`),
      `Partitions: ${this.network.describePartitions()}`,
      '',
      'Recent faults:',
      ...this.notes.map((s) => `  ${s}`),
      '',
      `Last ${this.trace.length} events:`,
      ...this.trace.map(({ ev, step }) => `  #${step} t=${ev.time.toFixed(2)} ${ev.kind.padEnd(7)} ${safeDescribe(ev)}`),
    ];
    if (err instanceof Error && !(err.name === 'InvariantViolation') && err.stack) {
      lines.push('', 'Stack:', ...err.stack.split('\n').slice(1, 8));
    }
    return lines.join('\n');
  }

  private describeNode(x: SimNode): string {
    const core = x.core;
    const core_ = this.inCore[x.n] ? ' (core)' : '';
    if (x.bootstrap === null) return `${x.id}: spare, never started`;
    if (core === null) return `${x.id}${core_}: ${x.retired ? 'retired' : 'down'} (restarts ${x.restarts}, durable applied ${x.disk.durableApplied})`;
    const st = core.status();
    const paused = x.pausedUntil > this.queue.now ? ` paused until ${x.pausedUntil.toFixed(1)}` : '';
    return (
      `${x.id}${core_}: ${st.role} term ${st.term} vote ${st.vote} leader ${st.leader} ` +
      `commit ${st.commit} applied ${st.applied} first ${x.disk.firstIndex()} last ${st.lastIndex}${paused} ` +
      `voters ${st.conf.voters.join(',')} learners ${st.conf.learners.join(',') || '-'} (restarts ${x.restarts})`
    );
  }
}

function safeDescribe(ev: SimEvent): string {
  try {
    return ev.describe();
  } catch {
    return '?';
  }
}
