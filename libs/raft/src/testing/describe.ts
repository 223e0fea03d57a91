import { decodeConfChange } from '../conf-change';
import type { ConfState, Entry, Message, Ready, Snapshot, Status } from '../types';

const dec = new TextDecoder();

/** `3@t2 "x"`: index 3 of term 2; `noop` for a term's opening entry; `conf addVoter 4`. */
export function describeEntry(e: Entry): string {
  switch (e.type) {
    case 'noop':
      return `${e.index}@t${e.term} noop`;
    case 'conf': {
      const cc = decodeConfChange(e.data);
      return `${e.index}@t${e.term} conf ${cc.type} ${cc.node}${cc.context === undefined ? '' : ` ${JSON.stringify(cc.context)}`}`;
    }
    case 'normal':
      return `${e.index}@t${e.term} ${JSON.stringify(dec.decode(e.data))}`;
  }
}

export function describeConf(c: ConfState): string {
  return `voters=[${c.voters.join(',')}] learners=[${c.learners.join(',')}]`;
}

/** The data is opaque: only the metadata is shown. */
export function describeSnapshot(s: Snapshot): string {
  return `${s.meta.index}@t${s.meta.term} ${describeConf(s.meta.conf)}`;
}

export function describeEntries(es: readonly Entry[]): string {
  return `[${es.map(describeEntry).join(', ')}]`;
}

export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} t${m.term}`;
  switch (m.type) {
    case 'app':
      return `${head} prev=${m.index}@t${m.logTerm} commit=${m.commit} entries=${describeEntries(m.entries)}`;
    case 'appResp':
      return m.reject
        ? `${head} reject index=${m.index} hint=${m.rejectHint}@t${m.logTerm}`
        : `${head} index=${m.index}`;
    case 'vote':
    case 'preVote':
      return `${head} last=${m.index}@t${m.logTerm}${m.transfer ? ' transfer' : ''}`;
    case 'voteResp':
    case 'preVoteResp':
      return `${head}${m.reject ? ' reject' : ''}`;
    case 'heartbeat':
      return `${head} commit=${m.commit}${m.round ? ` round=${m.round}` : ''}`;
    case 'heartbeatResp':
      return `${head}${m.round ? ` round=${m.round}` : ''}`;
    case 'prop':
      return `${head} data=[${m.data.map((d) => JSON.stringify(dec.decode(d))).join(', ')}]`;
    case 'readIndex':
      return `${head} ctx=${JSON.stringify(dec.decode(m.ctx))}`;
    case 'readIndexResp':
      return `${head} index=${m.index} ctx=${JSON.stringify(dec.decode(m.ctx))}`;
    case 'snap':
      return `${head} snapshot=${describeSnapshot(m.snapshot)}`;
    case 'timeoutNow':
      return head;
    case 'commitHint':
      return `${head} index=${m.index} logTerm=${m.logTerm}`;
  }
}

export function describeReady(rd: Ready): string[] {
  const out: string[] = [];
  if (rd.softState) out.push(`soft: role=${rd.softState.role} leader=${rd.softState.leader ?? '-'}`);
  if (rd.hardState) out.push(`hard: term=${rd.hardState.term} vote=${rd.hardState.vote ?? '-'} commit=${rd.hardState.commit}${rd.mustSync ? ' sync' : ''}`);
  if (rd.snapshot) out.push(`snapshot: ${describeSnapshot(rd.snapshot)}`);
  if (rd.entries.length) out.push(`entries: ${describeEntries(rd.entries)}`);
  if (rd.committed.length) out.push(`apply: ${describeEntries(rd.committed)}`);
  for (const m of rd.sendNow) out.push(`send: ${describeMessage(m)}`);
  for (const m of rd.sendAfterPersist) out.push(`send after persist: ${describeMessage(m)}`);
  for (const r of rd.readStates) out.push(`read-state: index=${r.index} ctx=${JSON.stringify(dec.decode(r.ctx))}`);
  return out;
}

export function describeStatus(st: Status): string[] {
  const out = [
    `${st.id}: ${st.role} term=${st.term} vote=${st.vote ?? '-'} leader=${st.leader ?? '-'} commit=${st.commit} applied=${st.applied} last=${st.lastIndex}`,
    `  conf: ${describeConf(st.conf)}`,
  ];
  for (const [id, p] of Object.entries(st.progress ?? {})) {
    const extra = `${p.learner ? ' learner' : ''}${p.pendingSnapshot ? ` pending=${p.pendingSnapshot}` : ''}${p.inflight ? ` inflight=${p.inflight}` : ''}`;
    out.push(`  ${id}: ${p.state} match=${p.match} next=${p.next}${extra}`);
  }
  return out;
}
