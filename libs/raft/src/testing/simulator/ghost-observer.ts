import { applyChange, confState, decodeConfChange, sameConf } from '../../conf-change';
import type { ConfChange, ConfState, Entry, HardState, Message, NodeId, Role, Snapshot } from '../../types';
import { rollHash } from './log-hash';
import type { LogBase } from './sim-disk';
import { decodeImage, type SmImage } from './sim-state-machine';

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
  /** The membership the core has applied; when given, a new leader's votes are counted against it. */
  readonly conf?: ConfState;
}

/** The part of a node's disk that survives a crash right now (fsynced). */
export interface DurableView {
  readonly hardState: HardState;
  /** Base + 1: entries at or below the base are compacted (committed, in the state machine). */
  firstIndex(): number;
  lastIndex(): number;
  term(index: number): number | undefined;
}

/** What a node recovers from on (re)start. */
export interface RecoveredState {
  readonly hardState: HardState;
  /** The last compacted (or snapshot-covered) entry; the log follows it. */
  readonly base: LogBase;
  readonly entries: readonly Entry[];
  /** The membership stored with the applied index; null if none was ever stored. */
  readonly conf: ConfState | null;
  /** The state machine at its durable applied index. */
  readonly sm: SmImage;
}

/**
 * A node's log as the observer sees it: every entry handed out in a Ready, after a base (the
 * last compacted or snapshot-covered index, whose prefix hash is the committed one).
 * terms[k] / hashes[k] describe index base + k; k = 0 is the base itself.
 */
class ShadowLog {
  base = 0;
  terms: number[] = [0];
  hashes: number[] = [0];
  /** The conf entries written after the base, ascending by index. */
  confs: { index: number; cc: ConfChange }[] = [];

  get lastIndex(): number {
    return this.base + this.terms.length - 1;
  }

  holds(i: number): boolean {
    return i >= this.base && i <= this.lastIndex;
  }

  term(i: number): number {
    return this.terms[i - this.base];
  }

  hash(i: number): number {
    return this.hashes[i - this.base];
  }

  /** Keeps indexes < from. */
  truncate(from: number): void {
    this.terms.length = from - this.base;
    this.hashes.length = from - this.base;
    while (this.confs.length > 0 && this.confs[this.confs.length - 1].index >= from) this.confs.pop();
  }

  push(e: Entry): number {
    const h = rollHash(this.hashes[this.hashes.length - 1], e);
    this.terms.push(e.term);
    this.hashes.push(h);
    if (e.type === 'conf') this.confs.push({ index: e.index, cc: decodeConfChange(e.data) });
    return h;
  }

  /** Drops everything below `to` (which stays as the base). */
  compact(to: number): void {
    this.terms = this.terms.slice(to - this.base);
    this.hashes = this.hashes.slice(to - this.base);
    this.base = to;
  }

  static at(base: number, term: number, hash: number): ShadowLog {
    const log = new ShadowLog();
    log.base = base;
    log.terms = [term];
    log.hashes = [hash];
    return log;
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
 *  - Election Safety: at most one leader per term, across membership changes; a new leader is a
 *    voter of its own membership and holds granted votes from a majority of its voters.
 *  - Leader Append-Only: while a node leads term t its log never loses or rewrites an entry.
 *  - Log Matching: same (index, term) on two nodes ⇒ same prefix (rolling hash).
 *  - Leader Completeness: a new leader of term t holds every entry known committed in a term < t
 *    (a compacted prefix counts as held: it was checked against the ledger when compacted).
 *  - State Machine Safety: the ledger of committed prefix hashes (recorded when each index is
 *    first reported committed) is the only history: every applied entry, every state machine
 *    recovered from disk, every snapshot sent or installed matches it at its index; no index is
 *    applied twice or skipped; a snapshot install never moves applied backwards; compaction
 *    never passes the applied index.
 *  - Membership: the membership a node applies at index i (or installs with a snapshot of i) is
 *    the one the committed conf entries up to i imply (for a joining node, from its own
 *    addition on); at most one conf entry is uncommitted in any log; a node that has applied its
 *    own removal never campaigns or leads again.
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
  /** The node's state machine as of its last apply, install or restart. */
  private readonly sm: { applied: number; hash: number }[];
  private readonly leaderOf = new Map<number, NodeId>();
  /** (index, term) -> prefix hash, for Log Matching. Indexed by index, then term. */
  private readonly entryHash: Map<number, number>[] = [];
  /** committed[i]: prefix hash of the committed log at i (committed[0] = 0). */
  private readonly committed: number[] = [0];
  private readonly committedTerm: number[] = [0];
  /** Membership after each committed conf entry, ascending by index; [0] is the bootstrap one. */
  private readonly confLedger: { index: number; conf: ConfState }[];
  /** Index of the committed entry that first added a node not in the bootstrap membership. */
  private readonly joinedAt = new Map<NodeId, number>();
  /** Index of the committed entry that removed a node. */
  private readonly removedAt = new Map<NodeId, number>();
  /** term -> highest commit index reported by a node in that term (commit happened in <= term). */
  private readonly commitByTerm = new Map<number, number>();
  /** `${term}/${candidate}` -> voters that sent it a granted vote in that term. */
  private readonly grants = new Map<string, Set<NodeId>>();
  private readonly reads = new Map<string, number>();
  /** Highest index applied on any node: every write acknowledged so far is at or below it. */
  maxApplied = 0;
  /** Counters for the run summary. */
  readonly stats = { leaders: 0, applied: 0, readsAnswered: 0, snapshotsInstalled: 0, compactions: 0, confChanges: 0 };

  constructor(
    readonly ids: readonly NodeId[],
    private readonly opts: { readonly checkAcks?: boolean; readonly voters?: readonly NodeId[] } = {},
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
    this.confLedger = [{ index: 0, conf: confState(opts.voters ?? ids, []) }];
  }

  get committedIndex(): number {
    return this.committed.length - 1;
  }

  /** The membership implied by the committed conf entries up to `index`. */
  confAt(index: number): ConfState {
    for (let k = this.confLedger.length - 1; k >= 0; k--) if (this.confLedger[k].index <= index) return this.confLedger[k].conf;
    return this.confLedger[0].conf;
  }

  /** The membership at `index` and every later committed one. */
  confsSince(index: number): ConfState[] {
    return [this.confAt(index), ...this.confLedger.filter((c) => c.index > index).map((c) => c.conf)];
  }

  /** The membership as of the committed log's end. */
  get committedConf(): ConfState {
    return this.confLedger[this.confLedger.length - 1].conf;
  }

  removalIndex(id: NodeId): number | undefined {
    return this.removedAt.get(id);
  }

  /** The state machine's applied index on `id` as the observer last saw it. */
  appliedOn(id: NodeId): number {
    return this.sm[this.at(id)].applied;
  }

  /** Every conf change in some node's log beyond the committed index (it may still commit). */
  pendingConfChanges(): ConfChange[] {
    const out: ConfChange[] = [];
    for (const log of this.logs) for (const c of log.confs) if (c.index > this.committedIndex) out.push(c.cc);
    return out;
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
    const base = rec.base.index;
    const last = rec.entries.length === 0 ? base : rec.entries[rec.entries.length - 1].index;
    const applied = rec.sm.applied;
    if (!(base <= applied && applied <= hs.commit && hs.commit <= last)) {
      this.fail(`${id} recovered base ${base}, applied ${applied}, commit ${hs.commit}, last index ${last}`);
    }
    if (base > this.committedIndex || (base > 0 && this.committedTerm[base] !== rec.base.term)) {
      this.fail(`${id} recovered a compacted prefix up to (${base}, term ${rec.base.term}) that is not the committed log's`);
    }
    const log = ShadowLog.at(base, rec.base.term, this.committed[base]);
    for (const e of rec.entries) {
      if (e.index !== log.lastIndex + 1) this.fail(`${id} recovered a log with a gap at ${e.index}`);
      log.push(e);
    }
    this.logs[n] = log;
    if (applied > this.committedIndex || this.committed[applied] !== rec.sm.hash) {
      this.fail(`state machine safety: ${id} recovered a state machine at ${applied} that differs from the committed log`);
    }
    if (rec.conf !== null) this.checkConf(id, applied, rec.conf, 'recovered');
    this.sm[n] = { applied, hash: rec.sm.hash };
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
    this.becameLeader(id, n, st);
  }

  private becameLeader(id: NodeId, n: number, st: ObservedStatus): void {
    const term = st.term;
    this.stats.leaders++;
    // Election Safety.
    const other = this.leaderOf.get(term);
    if (other !== undefined && other !== id) this.fail(`two leaders in term ${term}: ${other} and ${id}`);
    this.leaderOf.set(term, id);
    this.checkNotRemoved(id, n, `leads term ${term}`);
    // Election Safety across membership changes: elected by a majority of its own voters.
    if (st.conf !== undefined) {
      const voters = st.conf.voters;
      if (!voters.includes(id)) this.fail(`${id} leads term ${term} but is not a voter of its membership ${fmtConf(st.conf)}`);
      const granted = this.grants.get(`${term}/${id}`) ?? new Set<NodeId>();
      const votes = voters.filter((v) => v === id || granted.has(v)).length;
      if (2 * votes <= voters.length) {
        this.fail(
          `election safety: ${id} leads term ${term} with votes from ${[id, ...granted].join(',')} only, ` +
            `not a majority of its voters ${voters.join(',')}`,
        );
      }
    }
    // Leader Completeness: every entry committed in an earlier term is in the new leader's log.
    let mustHold = 0;
    for (const [t, c] of this.commitByTerm) if (t < term && c > mustHold) mustHold = c;
    const log = this.logs[n];
    if (log.lastIndex < mustHold || this.prefixHash(log, mustHold) !== this.committed[mustHold]) {
      this.fail(
        `leader completeness: ${id} leads term ${term} with last index ${log.lastIndex}, ` +
          `but the log committed up to ${mustHold} is not a prefix of its log`,
      );
    }
    this.leading[n] = { term, last: log.lastIndex, hash: log.hash(log.lastIndex) };
  }

  /** A node that has applied its own removal never campaigns or leads again (thesis §4.2.2). */
  private checkNotRemoved(id: NodeId, n: number, what: string): void {
    const r = this.removedAt.get(id);
    if (r !== undefined && this.sm[n].applied >= r) this.fail(`${id} ${what} after applying its own removal at ${r}`);
  }

  /**
   * The node took a Ready while in `at` (role and term at ready() time). A snapshot replaces its
   * log; entries then overwrite the log from entries[0].index on.
   */
  ready(
    id: NodeId,
    at: { role: Role; term: number },
    rd: { hardState?: HardState; entries: readonly Entry[]; snapshot?: Snapshot },
  ): void {
    const n = this.at(id);
    if (rd.snapshot !== undefined) {
      const meta = rd.snapshot.meta;
      this.checkSnapshot(id, rd.snapshot, 'received');
      this.logs[n] = ShadowLog.at(meta.index, meta.term, this.committed[meta.index]);
    }
    const log = this.logs[n];
    if (rd.entries.length > 0) {
      const from = rd.entries[0].index;
      if (from <= log.base || from > log.lastIndex + 1) {
        this.fail(`${id} wrote entries from ${from}, outside its log (base ${log.base}, last index ${log.lastIndex})`);
      }
      log.truncate(from);
      for (const e of rd.entries) {
        if (e.index !== log.lastIndex + 1) this.fail(`${id} wrote non-consecutive entries at ${e.index}`);
        // One membership change at a time: no conf entry follows an uncommitted one.
        const prevConf = log.confs.length > 0 ? log.confs[log.confs.length - 1].index : 0;
        if (e.type === 'conf' && prevConf > this.committedIndex) {
          this.fail(`${id} holds conf entry ${e.index} after conf entry ${prevConf}, which is not committed (two changes pending)`);
        }
        const h = log.push(e);
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
        if (log.lastIndex < mark.last || this.prefixHash(log, mark.last) !== mark.hash) {
          this.fail(`leader append-only: ${id}, leader of term ${mark.term}, rewrote its log at or below ${mark.last}`);
        }
        mark.last = log.lastIndex;
        mark.hash = log.hash(log.lastIndex);
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
    if (this.prefixHash(log, at) !== this.committed[at]) {
      this.fail(`state machine safety: ${id} committed up to ${commit} a log that differs from the committed log at ${at}`);
    }
    for (let i = known + 1; i <= commit; i++) {
      if (i <= log.base) this.fail(`${id} committed ${i}, which it compacted before anyone reported it committed`);
      this.committed.push(log.hash(i));
      this.committedTerm.push(log.term(i));
    }
    // Newly committed conf entries: the ledger of memberships grows.
    for (const c of log.confs) if (c.index > known && c.index <= commit) this.commitConf(c.index, c.cc);
    if ((this.commitByTerm.get(term) ?? 0) < commit) this.commitByTerm.set(term, commit);
  }

  private commitConf(index: number, cc: ConfChange): void {
    const conf = applyChange(this.committedConf, cc);
    this.confLedger.push({ index, conf });
    this.stats.confChanges++;
    if (cc.type === 'removeNode') {
      if (!this.removedAt.has(cc.node)) this.removedAt.set(cc.node, index);
    } else if (!this.joinedAt.has(cc.node) && !this.confLedger[0].conf.voters.includes(cc.node)) {
      this.joinedAt.set(cc.node, index);
    }
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

  /** The node applied the conf entry at `index`; applyConfChange returned `conf`. */
  confApplied(id: NodeId, index: number, conf: ConfState): void {
    this.checkConf(id, index, conf, 'applied');
  }

  /** The node installed `snap` (state machine, log and membership replaced, one batch). */
  installed(id: NodeId, snap: Snapshot): void {
    const n = this.at(id);
    const meta = snap.meta;
    this.checkSnapshot(id, snap, 'installed');
    const sm = this.sm[n];
    if (meta.index <= sm.applied) {
      this.fail(`${id} installed a snapshot at ${meta.index} over a state machine that had applied ${sm.applied} (applied went back or repeated)`);
    }
    this.sm[n] = { applied: meta.index, hash: decodeImage(snap.data).hash };
    if (meta.index > this.maxApplied) this.maxApplied = meta.index;
    this.stats.snapshotsInstalled++;
  }

  /** The node's driver dropped its log up to `index`. */
  compacted(id: NodeId, index: number): void {
    const n = this.at(id);
    const log = this.logs[n];
    if (index > this.sm[n].applied) this.fail(`${id} compacted its log to ${index}, beyond its applied index ${this.sm[n].applied}`);
    if (!log.holds(index)) this.fail(`${id} compacted to ${index}, outside its log (base ${log.base}, last ${log.lastIndex})`);
    if (index > log.base) log.compact(index);
    this.stats.compactions++;
  }

  /** A snapshot's image, term and membership are the committed ones at its index. */
  private checkSnapshot(id: NodeId, snap: Snapshot, what: string): void {
    const meta = snap.meta;
    if (meta.index > this.committedIndex) {
      this.fail(`${id} ${what} a snapshot at ${meta.index}, beyond every commit index reported (${this.committedIndex})`);
    }
    let img: SmImage;
    try {
      img = decodeImage(snap.data);
    } catch (err) {
      this.fail(`${id} ${what} a snapshot whose data is not an image: ${(err as Error).message}`);
    }
    if (img.applied !== meta.index || img.hash !== this.committed[meta.index] || meta.term !== this.committedTerm[meta.index]) {
      this.fail(
        `state machine safety: ${id} ${what} a snapshot at (${meta.index}, term ${meta.term}) whose image ` +
          `(applied ${img.applied}) differs from the committed log there (term ${this.committedTerm[meta.index]})`,
      );
    }
    if (!sameConf(meta.conf, this.confAt(meta.index))) {
      this.fail(
        `membership: ${id} ${what} a snapshot at ${meta.index} with membership ${fmtConf(meta.conf)}, ` +
          `but the committed conf entries up to ${meta.index} make ${fmtConf(this.confAt(meta.index))}`,
      );
    }
  }

  /** A joining node bootstraps with a later membership and replays older changes onto it: checked from its addition on. */
  private checkConf(id: NodeId, index: number, conf: ConfState, what: string): void {
    const founder = this.confLedger[0].conf.voters.includes(id);
    const joined = this.joinedAt.get(id);
    if (!founder && (joined === undefined || index < joined)) return;
    const want = this.confAt(index);
    if (!sameConf(conf, want)) {
      this.fail(`membership: ${id} ${what} membership ${fmtConf(conf)} at ${index}, but the committed conf entries up to ${index} make ${fmtConf(want)}`);
    }
  }

  /** A message leaves the node; `durable` is what would survive a crash right now. */
  sent(id: NodeId, m: Message, durable: DurableView): void {
    if (m.type === 'vote' || m.type === 'preVote') this.checkNotRemoved(id, this.at(id), `campaigns (${m.type}, term ${m.term})`);
    if (m.type === 'voteResp' && !m.reject) {
      const key = `${m.term}/${m.to}`;
      let s = this.grants.get(key);
      if (s === undefined) this.grants.set(key, (s = new Set()));
      s.add(id);
    }
    if (m.type === 'snap') this.checkSnapshot(id, m.snapshot, 'sent');
    if (this.opts.checkAcks === false) return;
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
        // At or below the durable base, the entry is compacted into the durable state machine.
        const durableOk =
          hs.term >= m.term &&
          m.index <= log.lastIndex &&
          (m.index < durable.firstIndex() ||
            (durable.lastIndex() >= m.index && durable.term(m.index) === this.termAt(log, m.index)));
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
          if (m.index > theirs.lastIndex || this.prefixHash(theirs, m.index) !== this.prefixHash(log, m.index)) {
            this.fail(
              `false ack: ${id} told ${m.to}, leader of term ${m.term}, that it matches up to ${m.index}, ` +
                `but its log differs from the leader's there (its term at ${m.index}: ${this.termAt(log, m.index)}, ` +
                `leader's: ${m.index > theirs.lastIndex ? 'none' : this.termAt(theirs, m.index)})`,
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

  /** Prefix hash of `log` at i; below its base, the committed one (a compacted prefix is committed). */
  private prefixHash(log: ShadowLog, i: number): number {
    return i >= log.base ? log.hash(i) : this.committed[i];
  }

  private termAt(log: ShadowLog, i: number): number {
    return i >= log.base ? log.term(i) : this.committedTerm[i];
  }

  private at(id: NodeId): number {
    const n = this.index.get(id);
    if (n === undefined) throw new Error(`unknown node ${id}`);
    return n;
  }

  private fail(msg: string): never {
    throw new InvariantViolation(msg);
  }
}

function fmtConf(c: ConfState): string {
  return `voters [${c.voters.join(',')}] learners [${c.learners.join(',')}]`;
}
