import type { AdminRequest } from '@trent/kms';
import type { RaftNode } from '@trent/raft';

/** How long a leadership transfer may take before the route answers 504 (the core gives up after one election timeout). */
const TRANSFER_WAIT_MS = 3_000;

export interface AdminReply {
  status: number;
  body: unknown;
}

/** The primary's answers to the Raft administration its workers pass on (see AdminController). */
export async function answerRaftAdmin(raft: RaftNode, voters: readonly string[], request: AdminRequest): Promise<AdminReply> {
  switch (request.op) {
    case 'status': {
      const st = raft.status();
      return {
        status: 200,
        body: { role: st.role, term: st.term, leader: st.leader, commit: st.commit, applied: st.applied, lastIndex: st.lastIndex, lastContactMs: st.lastContactMs, voters, progress: st.progress ?? null },
      };
    }
    case 'transferLeader':
      return transferLeader(raft, voters, request.to);
    default: {
      const unknown: never = request;
      return { status: 400, body: { message: `unknown admin request ${JSON.stringify(unknown)}` } };
    }
  }
}

async function transferLeader(raft: RaftNode, voters: readonly string[], to: string): Promise<AdminReply> {
  if (!voters.includes(to)) return { status: 400, body: { message: `node ${to} is not a voter of this Region (voters: ${voters.join(', ')})` } };
  const st = raft.status();
  if (st.role !== 'leader') {
    const who = st.leader ? `node ${st.leader} is` : 'no leader is known right now';
    return { status: 409, body: { message: `node ${raft.id} is not the leader; ${who}`, leader: st.leader } };
  }
  if (to === raft.id) return { status: 200, body: { leader: to } };
  raft.transferLeadership(to);
  const deadline = Date.now() + TRANSFER_WAIT_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    if (raft.status().leader === to) return { status: 200, body: { leader: to } };
  }
  return { status: 504, body: { message: `node ${to} did not take over within ${TRANSFER_WAIT_MS / 1000} s; node ${raft.status().leader ?? 'none'} leads` } };
}
