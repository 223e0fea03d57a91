import type { AdminRequest } from '@trent/kms';
import type { ConfChange, ProposeResult, RaftNode } from '@trent/raft';

/** How long a leadership transfer may take before the route answers 504 (the core gives up after one election timeout). */
const TRANSFER_WAIT_MS = 3_000;
/** How long a membership step (propose, commit, apply) may take. */
const CHANGE_WAIT_MS = 5_000;
/** How long a new node may take to catch up as a learner before it is made a voter. */
const CATCH_UP_WAIT_MS = 60_000;
const POLL_MS = 20;

export interface AdminReply {
  status: number;
  body: unknown;
}

/** The primary's answers to the Raft administration its workers pass on (see AdminController). */
export async function answerRaftAdmin(raft: RaftNode, request: AdminRequest): Promise<AdminReply> {
  switch (request.op) {
    case 'status': {
      const st = raft.status();
      return {
        status: 200,
        body: { role: st.role, term: st.term, leader: st.leader, commit: st.commit, applied: st.applied, lastIndex: st.lastIndex, lastContactMs: st.lastContactMs, voters: st.conf.voters, learners: st.conf.learners, progress: st.progress ?? null },
      };
    }
    case 'transferLeader':
      return transferLeader(raft, request.to);
    case 'addNode':
      return addNode(raft, request.node, request.address);
    case 'removeNode':
      return removeNode(raft, request.node);
    case 'replication':
      return { status: 404, body: { message: 'the replicator answers this (primary.ts)' } };
    default: {
      const unknown: never = request;
      return { status: 400, body: { message: `unknown admin request ${JSON.stringify(unknown)}` } };
    }
  }
}

function notLeader(raft: RaftNode): AdminReply | null {
  const st = raft.status();
  if (st.role === 'leader') return null;
  const who = st.leader ? `node ${st.leader} is` : 'no leader is known right now';
  return { status: 409, body: { message: `node ${raft.id} is not the leader; ${who}`, leader: st.leader } };
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return true;
}

async function transferLeader(raft: RaftNode, to: string): Promise<AdminReply> {
  const { voters } = raft.status().conf;
  if (!voters.includes(to)) return { status: 400, body: { message: `node ${to} is not a voter of this Region (voters: ${voters.join(', ')})` } };
  const refused = notLeader(raft);
  if (refused) return refused;
  if (to === raft.id) return { status: 200, body: { leader: to } };
  raft.transferLeadership(to);
  if (await until(() => raft.status().leader === to, TRANSFER_WAIT_MS)) return { status: 200, body: { leader: to } };
  return { status: 504, body: { message: `node ${to} did not take over within ${TRANSFER_WAIT_MS / 1000} s; node ${raft.status().leader ?? 'none'} leads` } };
}

/**
 * Proposes one membership change and waits until this leader has applied it. The core refuses
 * ('dropped') while another change is pending or before its term's first commit: retried.
 */
async function change(raft: RaftNode, cc: ConfChange, applied: () => boolean): Promise<AdminReply | null> {
  let result = 'dropped' as ProposeResult;
  const proposed = await until(() => {
    if (applied()) return true;
    result = raft.proposeConfChange(cc);
    return result !== 'dropped';
  }, CHANGE_WAIT_MS);
  if (result === 'not-leader') return notLeader(raft) ?? { status: 409, body: { message: 'leadership moved during the change' } };
  if (!proposed) return { status: 504, body: { message: `the Region did not accept the change ${cc.type} ${cc.node} in time (another change pending?)` } };
  if (!(await until(applied, CHANGE_WAIT_MS))) return { status: 504, body: { message: `the change ${cc.type} ${cc.node} was not applied in time` } };
  return null;
}

async function addNode(raft: RaftNode, node: string, address: string): Promise<AdminReply> {
  const refused = notLeader(raft);
  if (refused) return refused;
  const conf = () => raft.status().conf;
  if (conf().voters.includes(node)) return { status: 200, body: { ...conf(), message: `node ${node} is already a voter` } };
  // Learner first, so that the quorum does not wait for a node that has nothing yet (thesis §4.2.1).
  const asLearner = await change(raft, { type: 'addLearner', node, context: address }, () => conf().learners.includes(node));
  if (asLearner) return asLearner;
  const caughtUp = await until(() => {
    const st = raft.status();
    return (st.progress?.[node]?.match ?? 0) >= st.commit;
  }, CATCH_UP_WAIT_MS);
  if (!caughtUp) return { status: 504, body: { message: `node ${node} (${address}) did not catch up within ${CATCH_UP_WAIT_MS / 1000} s; it stays a learner`, ...conf() } };
  const asVoter = await change(raft, { type: 'addVoter', node, context: address }, () => conf().voters.includes(node));
  return asVoter ?? { status: 200, body: conf() };
}

async function removeNode(raft: RaftNode, node: string): Promise<AdminReply> {
  const refused = notLeader(raft);
  if (refused) return refused;
  const conf = () => raft.status().conf;
  const member = () => conf().voters.includes(node) || conf().learners.includes(node);
  if (!member()) return { status: 404, body: { message: `node ${node} is not a member of this Region` } };
  if (node === raft.id && conf().voters.length > 1) {
    // A leader does not remove itself: it hands leadership to the most up-to-date voter, which
    // then removes it (as etcd does). A leader that removes itself can leave a 2-voter Region
    // without any possible leader if the commit of its removal never reaches the survivor
    // (simulator, seed 4644).
    const progress = raft.status().progress ?? {};
    const [successor] = conf()
      .voters.filter((id) => id !== node)
      .sort((a, b) => (progress[b]?.match ?? 0) - (progress[a]?.match ?? 0));
    raft.transferLeadership(successor);
    const moved = await until(() => raft.status().leader === successor, TRANSFER_WAIT_MS);
    const leader = raft.status().leader;
    return {
      status: 409,
      body: { message: moved ? `node ${node} handed leadership to node ${successor}; ask it to remove node ${node}` : `node ${node} is handing leadership over; ask the new leader`, leader },
    };
  }
  const failed = await change(raft, { type: 'removeNode', node }, () => !member());
  return failed ?? { status: 200, body: conf() };
}
