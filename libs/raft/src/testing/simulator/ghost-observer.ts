import type { Entry, HardState, Message, NodeId, Role } from '../../types';
import { rollHash } from './log-hash';

/** Thrown by the observer: a Raft safety property (raft.md §3.3) does not hold. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

/** What a node reports after every event (a subset of RaftCore's Status). */
export interface ObservedStatus {
  readonly role: Role;
  readonly term: number;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
}

/** The part of a node's disk that survives a crash right now (fsynced). */
export interface DurableView {
  readonly hardState: HardState;
  lastIndex(): number;
  term(index: number): number | undefined;
}

/** What a node recovers from on (re)start. */
export interface RecoveredState {
  readonly hardState: HardState;
  readonly entries: readonly Entry[];
  /** Index and state-machine digest (rolling hash) of the last applied entry. */
  readonly applied: number;
  readonly appliedHash: number;
}

/** A node's log as the observer sees it: every entry handed out in a Ready. Index 0 is a sentinel. */
class ShadowLog {
  terms: number[] = [0];
  hashes: number[] = [0];

  get lastIndex(): number {
    return this.terms.length - 1;
  }
}

interface LeaderMark {
  readonly term: number;
  last: number;
  hash: number;
}

/**
 * The ghost observer: sees every node, is never read by them, and throws InvariantViolation
 * the moment a property breaks. It is fed plain data so that a test can hand it a deliberately
 * broken history. Properties (raft.md §3.3; thesis figure "key properties"):
 *  - Election Safety: at most one leader per term.
 *  - Leader Append-Only: while a node leads term t its log never loses or rewrites an entry.
 *  - Log Matching: same (index, term) on two nodes ⇒ same prefix (rolling hash).
 *  - Leader Completeness: a new leader of term t holds every entry known committed in a term < t.
 *  - State Machine Safety: one entry per index applied everywhere; no index applied twice or
 *    skipped on a node; state-machine digests agree at equal applied indexes.
 *  - applied <= commit <= lastIndex; commit never regresses while a node is up; term and vote
 *    never regress, also across restarts (from the fsynced state).
 *  - Durability before acks: no granted vote, vote request or append ack leaves a node unless
 *    what it vouches for is fsynced; an append ack to the leader of its term matches that
 *    leader's log up to the acked index.
 *  - ReadIndex: a read's index is >= every index applied anywhere before the read was issued.
 */
export class GhostObserver {
  private readonly index = new Map<NodeId, number>();
  private readonly logs: ShadowLog[];
  private readonly leading: (LeaderMark | null)[];
  /** The role/term seen after the last event: leader transitions are detected against it. */
  private readonly lastTerm: number[];
  private readonly lastCommit: number[];
  /** The hard state of the node's last Ready (what it has written, durable or not). */
  private readonly writtenHard: HardState[];
  /** The node's newest fsynced hard state. */
  private readonly syncedHard: HardState[];
  private readonly sm: { applied: number; hash: number }[];
  private readonly leaderOf = new Map<number, NodeId>();
  /** (index, term) -> prefix hash, for Log Matching. Indexed by index, then term. */
  private readonly entryHash: Map<number, number>[] = [];
  /** committed[i]: prefix hash of the committed log at i (committed[0] = 0). */
  private readonly committed: number[] = [0];
  /** term -> highest commit index reported by a node in that term (commit happened in <= term). */
  private readonly commitByTerm = new Map<number, number>();
  private readonly reads = new Map<string, number>();
  /** Highest index applied on any node: every write acknowledged so far is at or below it. */
  maxApplied = 0;
  /** Counters for the run summary. */
  readonly stats = { leaders: 0, applied: 0, readsAnswered: 0 };

  constructor(
    readonly ids: readonly NodeId[],
    private readonly opts: { readonly checkAcks: boolean } = { checkAcks: true },
  ) {
    ids.forEach((id, i) => this.index.set(id, i));
    const n = ids.length;
    this.logs = ids.map(() => new ShadowLog());
    this.leading = new Array<LeaderMark | null>(n).fill(null);
    this.lastTerm = new Array<number>(n).fill(0);
    this.lastCommit = new Array<number>(n).fill(0);
    const zero: HardState = { term: 0, vote: null, commit: 0 };
    this.writtenHard = ids.map(() => zero);
    this.syncedHard = ids.map(() => zero);
    this.sm = ids.map(() => ({ applied: 0, hash: 0 }));
  }

  get committedIndex(): number {
    return this.committed.length - 1;
  }

  // ------------------------------------------------------------------ lifecycle

  /** A node (re)starts from what it recovered from disk. */
  boot(id: NodeId, rec: RecoveredState): void {
    const n = this.at(id);
    const hs = rec.hardState;
    const synced = this.syncedHard[n];
    // Term and vote never regress across restarts: the recovered state holds at least what was fsynced.
    if (hs.term < synced.term || (hs.term === synced.term && synced.vote !== null && hs.vote !== synced.vote)) {
      this.fail(`${id} restarted with term ${hs.term} vote ${hs.vote}, but term ${synced.term} vote ${synced.vote} was fsynced`);
    }
    const last = rec.entries.length === 0 ? 0 : rec.entries[rec.entries.length - 1].index;
    if (!(rec.applied <= hs.commit && hs.commit <= last)) {
      this.fail(`${id} recovered applied ${rec.applied}, commit ${hs.commit}, last index ${last}`);
    }
    const log = new ShadowLog();
    for (const e of rec.entries) {
      if (e.index !== log.lastIndex + 1) this.fail(`${id} recovered a log with a gap at ${e.index}`);
      log.hashes.push(rollHash(log.hashes[log.lastIndex], e));
      log.terms.push(e.term);
    }
    this.logs[n] = log;
    if (rec.applied > 0 && rec.applied <= this.committedIndex && this.committed[rec.applied] !== rec.appliedHash) {
      this.fail(`${id} recovered a state machine at ${rec.applied} that differs from the committed log`);
    }
    this.sm[n] = { applied: rec.applied, hash: rec.appliedHash };
    this.leading[n] = null;
    this.lastTerm[n] = hs.term;
    this.lastCommit[n] = hs.commit;
    this.writtenHard[n] = hs;
  }

  /** The node's write of a hard state became durable (fsync completed). */
  synced(id: NodeId, hs: HardState): void {
    const n = this.at(id);
    const prev = this.syncedHard[n];
    if (hs.term < prev.term || (hs.term === prev.term && prev.vote !== null && hs.vote !== prev.vote)) {
      this.fail(`${id} fsynced term ${hs.term} vote ${hs.vote} over term ${prev.term} vote ${prev.vote}`);
    }
    this.syncedHard[n] = hs;
  }

  // ------------------------------------------------------------------ per event

  /** Called after every event that ran on the node. */
  afterEvent(id: NodeId, st: ObservedStatus): void {
    const n = this.at(id);
    if (!(st.applied <= st.commit && st.commit <= st.lastIndex)) {
      this.fail(`${id}: applied ${st.applied}, commit ${st.commit}, last index ${st.lastIndex}`);
    }
    if (st.commit < this.lastCommit[n]) this.fail(`${id}: commit went back from ${this.lastCommit[n]} to ${st.commit}`);
    this.lastCommit[n] = st.commit;
    if (st.term < this.lastTerm[n]) this.fail(`${id}: term went back from ${this.lastTerm[n]} to ${st.term}`);
    this.lastTerm[n] = st.term;

    const mark = this.leading[n];
    if (st.role !== 'leader') {
      this.leading[n] = null;
      return;
    }
    if (mark !== null && mark.term === st.term) {
      if (st.lastIndex < mark.last) this.fail(`${id} leads term ${st.term} but its log shrank below ${mark.last}`);
      return;
    }
    this.becameLeader(id, n, st.term);
  }

  private becameLeader(id: NodeId, n: number, term: number): void {
    this.stats.leaders++;
    // Election Safety.
    const other = this.leaderOf.get(term);
    if (other !== undefined && other !== id) this.fail(`two leaders in term ${term}: ${other} and ${id}`);
    this.leaderOf.set(term, id);
    // Leader Completeness: every entry committed in an earlier term is in the new leader's log.
    let mustHold = 0;
    for (const [t, c] of this.commitByTerm) if (t < term && c > mustHold) mustHold = c;
    const log = this.logs[n];
    if (log.lastIndex < mustHold || log.hashes[mustHold] !== this.committed[mustHold]) {
      this.fail(
        `leader completeness: ${id} leads term ${term} with last index ${log.lastIndex}, ` +
          `but the log committed up to ${mustHold} is not a prefix of its log`,
      );
    }
    this.leading[n] = { term, last: log.lastIndex, hash: log.hashes[log.lastIndex] };
  }

  /**
   * The node took a Ready while in `at` (role and term at ready() time). Its entries overwrite
   * the node's log from entries[0].index on.
   */
  ready(id: NodeId, at: { role: Role; term: number }, rd: { hardState?: HardState; entries: readonly Entry[] }): void {
    const n = this.at(id);
    const log = this.logs[n];
    if (rd.entries.length > 0) {
      const from = rd.entries[0].index;
      if (from < 1 || from > log.lastIndex + 1) this.fail(`${id} wrote entries from ${from} past its last index ${log.lastIndex}`);
      log.terms.length = from;
      log.hashes.length = from;
      for (const e of rd.entries) {
        if (e.index !== log.lastIndex + 1) this.fail(`${id} wrote non-consecutive entries at ${e.index}`);
        const h = rollHash(log.hashes[log.lastIndex], e);
        log.terms.push(e.term);
        log.hashes.push(h);
        // Log Matching: an (index, term) pair names one prefix, cluster-wide and forever.
        let byTerm = this.entryHash[e.index];
        if (byTerm === undefined) byTerm = this.entryHash[e.index] = new Map();
        const seen = byTerm.get(e.term);
        if (seen === undefined) byTerm.set(e.term, h);
        else if (seen !== h) this.fail(`log matching: ${id} holds (${e.index}, term ${e.term}) with a prefix no other node has`);
      }
    }
    // Leader Append-Only.
    const mark = this.leading[n];
    if (mark !== null) {
      if (at.role !== 'leader' || at.term !== mark.term) {
        this.leading[n] = null;
      } else {
        if (log.lastIndex < mark.last || log.hashes[mark.last] !== mark.hash) {
          this.fail(`leader append-only: ${id}, leader of term ${mark.term}, rewrote its log at or below ${mark.last}`);
        }
        mark.last = log.lastIndex;
        mark.hash = log.hashes[log.lastIndex];
      }
    }
    const hs = rd.hardState;
    if (hs === undefined) return;
    const prev = this.writtenHard[n];
    if (hs.term < prev.term) this.fail(`${id} wrote term ${hs.term} after term ${prev.term}`);
    if (hs.term === prev.term && prev.vote !== null && hs.vote !== prev.vote) {
      this.fail(`${id} voted twice in term ${hs.term}: ${prev.vote} then ${hs.vote}`);
    }
    if (hs.commit < prev.commit) this.fail(`${id} wrote commit ${hs.commit} after ${prev.commit}`);
    this.writtenHard[n] = hs;
    this.reportCommit(id, log, hs.term, hs.commit);
  }

  /** `id` (in `term`) holds its log up to `commit` as committed: fold it into the ledger. */
  private reportCommit(id: NodeId, log: ShadowLog, term: number, commit: number): void {
    if (commit > log.lastIndex) this.fail(`${id} committed ${commit} beyond its last index ${log.lastIndex}`);
    const known = this.committedIndex;
    const at = Math.min(known, commit);
    if (log.hashes[at] !== this.committed[at]) {
      this.fail(`state machine safety: ${id} committed up to ${commit} a log that differs from the committed log at ${at}`);
    }
    for (let i = known + 1; i <= commit; i++) this.committed.push(log.hashes[i]);
    if ((this.commitByTerm.get(term) ?? 0) < commit) this.commitByTerm.set(term, commit);
  }

  /** The node's state machine applied `e`. */
  applied(id: NodeId, e: Entry): void {
    const n = this.at(id);
    const sm = this.sm[n];
    if (e.index !== sm.applied + 1) {
      this.fail(`${id} applied index ${e.index} right after ${sm.applied} (an entry applied twice or skipped)`);
    }
    sm.hash = rollHash(sm.hash, e);
    sm.applied = e.index;
    if (e.index > this.committedIndex) this.fail(`${id} applied ${e.index}, beyond every commit index reported (${this.committedIndex})`);
    if (this.committed[e.index] !== sm.hash) {
      this.fail(`state machine safety: ${id} applied a different entry at ${e.index} (term ${e.term}) than the committed log`);
    }
    if (e.index > this.maxApplied) this.maxApplied = e.index;
    this.stats.applied++;
  }

  /** A message leaves the node; `durable` is what would survive a crash right now. */
  sent(id: NodeId, m: Message, durable: DurableView): void {
    if (!this.opts.checkAcks) return;
    const hs = durable.hardState;
    switch (m.type) {
      case 'vote':
      case 'voteResp': {
        if (m.type === 'voteResp' && m.reject) return;
        const votedFor = m.type === 'vote' ? id : m.to;
        if (!(hs.term > m.term || (hs.term === m.term && hs.vote === votedFor))) {
          this.fail(`${id} sent ${m.type} for ${votedFor} in term ${m.term} before fsyncing it (durable term ${hs.term}, vote ${hs.vote})`);
        }
        return;
      }
      case 'appResp': {
        if (m.reject) return;
        const n = this.at(id);
        // An ack made in an earlier term may leave after the node moved on and a newer leader
        // legitimately overwrote the acked entries: to its receiver that is the same as an ack
        // sent at once and delayed by the network. Durability is checked for the ack's own term.
        if (this.writtenHard[n].term !== m.term) return;
        const log = this.logs[n];
        const durableOk =
          hs.term >= m.term &&
          m.index <= log.lastIndex &&
          durable.lastIndex() >= m.index &&
          durable.term(m.index) === log.terms[m.index];
        if (!durableOk) {
          this.fail(
            `${id} acked index ${m.index} in term ${m.term} before fsyncing it ` +
              `(durable term ${hs.term}, durable last index ${durable.lastIndex()})`,
          );
        }
        // The ack tells the leader of m.term that our log equals its log up to m.index.
        const to = this.index.get(m.to);
        const lead = to === undefined ? null : this.leading[to];
        if (to !== undefined && lead !== null && lead.term === m.term) {
          const theirs = this.logs[to];
          if (m.index > theirs.lastIndex || theirs.hashes[m.index] !== log.hashes[m.index]) {
            this.fail(
              `false ack: ${id} told ${m.to}, leader of term ${m.term}, that it matches up to ${m.index}, ` +
                `but its log differs from the leader's there (its term at ${m.index}: ${log.terms[m.index]}, ` +
                `leader's: ${theirs.terms[m.index]})`,
            );
          }
        }
        return;
      }
      default:
        return;
    }
  }

  // ------------------------------------------------------------------ reads

  readIssued(ctx: string): void {
    this.reads.set(ctx, this.maxApplied);
  }

  readAnswered(id: NodeId, ctx: string, index: number): void {
    const floor = this.reads.get(ctx);
    if (floor === undefined) this.fail(`${id} answered a read ${ctx} nobody issued`);
    if (index < floor) {
      this.fail(`stale read: ${id} answered ${ctx} at index ${index}, but index ${floor} was applied before it was issued`);
    }
    this.stats.readsAnswered++;
  }

  // ------------------------------------------------------------------ helpers

  private at(id: NodeId): number {
    const n = this.index.get(id);
    if (n === undefined) throw new Error(`unknown node ${id}`);
    return n;
  }

  private fail(msg: string): never {
    throw new InvariantViolation(msg);
  }
}
