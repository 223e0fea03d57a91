import { EtcdCluster } from './etcd-cluster';
import { postJson, PUT_PATH, putBody, putReplyProblem } from './etcd-gateway';
import type { FailoverOptions } from './failover';

/** Each attempt gives up on its signal long before this; it only bounds a call made without one. */
const PUT_TIMEOUT_MS = 5_000;

/**
 * An etcd cluster as measureFailover() takes a store: the victim is a member index, and a write is
 * a put sent to a surviving member, the next one each attempt, as a client given every endpoint
 * would (a follower forwards it to the leader, or holds it until there is one).
 */
export function etcdFailoverTarget(cluster: EtcdCluster): Pick<FailoverOptions<number>, 'killLeader' | 'restart' | 'write'> {
  let next = 0;
  let sequence = 0;
  return {
    killLeader: async () => {
      const leader = await cluster.leader();
      cluster.kill(leader);
      return leader;
    },
    restart: (member) => cluster.restart(member),
    write: async (signal) => {
      const alive = cluster.endpoints.filter((_, i) => cluster.isAlive(i));
      const url = alive[next++ % alive.length];
      if (url === undefined) throw new Error('no member is running');
      const reply = await postJson(url, PUT_PATH, putBody(`bench/failover/${sequence++}`, 'x'), { timeoutMs: PUT_TIMEOUT_MS, signal });
      const problem = putReplyProblem(reply.status, reply.body);
      if (problem !== undefined) throw new Error(problem);
      return true;
    },
  };
}
