import type { ConfChange, ConfState, NodeId } from '../../types';
import type { EventQueue } from './event-queue';
import type { GhostObserver } from './ghost-observer';
import type { Prng } from './prng';
import type { SimNode } from './sim-node';
import type { MembershipOptions } from './sim-options';

/** What the membership workload needs from the simulated world. */
export interface MembershipHost {
  readonly queue: EventQueue;
  readonly observer: GhostObserver;
  readonly nodes: readonly SimNode[];
  /** The running, unpaused node that leads the highest term, if any. */
  leader(): SimNode | undefined;
  /** Starts a joining node's process for the first time, with this bootstrap membership. */
  join(n: number, bootstrap: ConfState): void;
  /** Shuts a removed node down for good. */
  retire(n: number): void;
  note(s: string): void;
}

/**
 * An operator changing the membership one server at a time (README "Membership changes: what
 * the driver does"): new ids join as learners (their process started with the membership as it
 * is before their change, themselves a learner, an empty log), are promoted once caught up,
 * and voters (the leader too) and learners are removed; the voters stay at 3 or more except
 * now and then (down to 1). Ids are never reused. A refused request ('dropped' while another
 * change is pending, 'not-leader') is simply tried again later; so is a change that was
 * accepted but never committed. A removed node is shut down once every voter has its removal
 * durably applied (before that, a voter restarting from disk could still need its vote).
 */
export class MembershipWorkload {
  private nextSpare: number;
  private readonly removing = new Set<NodeId>();
  private readonly retireDecided = new Set<NodeId>();
  private stopped = false;
  /**
   * The last change a leader accepted. It may still be only in that leader's unstable log (not
   * yet in a Ready, so invisible to the observer) and commit later. An earlier accepted one
   * that never reached a Ready cannot: the next leader committed an entry of a newer term first.
   */
  lastAccepted: ConfChange | null = null;
  readonly stats = { proposed: 0, accepted: 0, joined: 0, retired: 0 };

  constructor(
    private readonly host: MembershipHost,
    private readonly rng: Prng,
    private readonly opts: MembershipOptions,
    founders: number,
  ) {
    this.nextSpare = founders;
  }

  start(): void {
    if (Number.isFinite(this.opts.meanInterval)) this.schedule();
  }

  /** Liveness phase: the membership stays as it is. */
  stop(): void {
    this.stopped = true;
  }

  private schedule(): void {
    this.host.queue.after(
      this.rng.exp(this.opts.meanInterval),
      'client',
      -1,
      () => {
        if (this.stopped) return;
        this.maybeRetire();
        this.act();
        this.schedule();
      },
      () => 'membership operator',
    );
  }

  private act(): void {
    const leader = this.host.leader();
    if (leader === undefined || leader.core === null) return;
    const st = leader.core.status();
    const conf = st.conf;
    const members = new Set([...conf.voters, ...conf.learners]);
    const nodes = this.host.nodes;
    const rng = this.rng;
    const choices: { w: number; cc: ConfChange }[] = [];
    // Unfinished business first: a removal that did not commit, a join that did not commit.
    for (const id of this.removing) if (members.has(id)) choices.push({ w: 4, cc: { type: 'removeNode', node: id } });
    for (const x of nodes) {
      const orphan = x.bootstrap !== null && !x.retired && !members.has(x.id) && !this.removing.has(x.id);
      if (orphan && this.host.observer.removalIndex(x.id) === undefined) choices.push({ w: 4, cc: { type: 'addLearner', node: x.id } });
    }
    const few = conf.voters.length < 3;
    if (this.nextSpare < nodes.length && conf.learners.length < 2) {
      choices.push({ w: few ? 4 : 1, cc: { type: 'addLearner', node: nodes[this.nextSpare].id } });
    }
    for (const l of conf.learners) {
      const pr = st.progress?.[l];
      if (this.removing.has(l) || pr === undefined) continue;
      if (pr.match >= st.commit) choices.push({ w: few ? 4 : 2, cc: { type: 'addVoter', node: l } });
      else if (rng.chance(0.1)) choices.push({ w: 1, cc: { type: 'removeNode', node: l } });
    }
    if (conf.voters.length > 3 || (conf.voters.length > 1 && rng.chance(this.opts.shrink))) {
      choices.push({ w: 1, cc: { type: 'removeNode', node: rng.pick(conf.voters) } });
    }
    if (choices.length === 0) return;
    let r = rng.next() * choices.reduce((s, c) => s + c.w, 0);
    const cc = choices.find((c) => (r -= c.w) < 0)?.cc ?? choices[choices.length - 1].cc;
    this.stats.proposed++;
    const res = leader.proposeConfChange(cc);
    if (res !== 'ok') return;
    this.stats.accepted++;
    this.lastAccepted = cc;
    this.host.note(`${leader.id} accepted ${cc.type} ${cc.node} (voters ${conf.voters.join(',')} learners ${conf.learners.join(',') || '-'})`);
    if (cc.type === 'removeNode') {
      this.removing.add(cc.node);
      return;
    }
    const n = nodes.findIndex((x) => x.id === cc.node);
    if (nodes[n].bootstrap === null) {
      // The joining process: the membership before its own change, itself a learner, no log.
      this.host.join(n, { voters: conf.voters, learners: [...conf.learners, cc.node].sort() });
      this.nextSpare = n + 1;
      this.stats.joined++;
    }
  }

  private maybeRetire(): void {
    const obs = this.host.observer;
    for (const id of this.removing) {
      if (this.retireDecided.has(id)) continue;
      const r = obs.removalIndex(id);
      if (r === undefined) continue;
      const voters = obs.committedConf.voters;
      const nodes = this.host.nodes;
      if (!voters.every((v) => nodes.find((x) => x.id === v)!.disk.durableApplied >= r)) continue;
      this.retireDecided.add(id);
      if (!this.rng.chance(0.6)) continue;
      const n = nodes.findIndex((x) => x.id === id);
      this.host.retire(n);
      this.stats.retired++;
    }
  }
}
