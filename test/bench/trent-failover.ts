import { KMSClient, TagResourceCommand } from '@aws-sdk/client-kms';
import { Agent } from 'node:http';
import type { TrentRegion } from '../support/trent-region';
import type { FailoverOptions } from './failover';

/** Each attempt gives up on its signal long before this; it only bounds a call made without one. */
const WRITE_TIMEOUT_MS = 5_000;
const CATCH_UP_TIMEOUT_MS = 60_000;
const POLL_MS = 50;

/**
 * A Trent Region as measureFailover() takes a store, the counterpart of etcdFailoverTarget: the
 * victim is a node id, killed with SIGKILL (its HTTP worker follows when its channel to the
 * primary closes), and a write is a TagResource sent through the SDK (maxAttempts 1, a new
 * connection every call) to a surviving node, the next one each attempt; a follower forwards it to
 * the leader, or holds it until there is one.
 */
export function trentFailoverTarget(region: TrentRegion, keyId: string, credentials: { accessKeyId: string; secretAccessKey: string }): Pick<FailoverOptions<string>, 'killLeader' | 'restart' | 'write'> & { dispose(): void } {
  const ids = region.nodes.map((_, i) => String(i + 1));
  const down = new Set<string>();
  // No keep-alive: a socket to a node killed meanwhile must not be reused.
  const agent = new Agent({ keepAlive: false });
  const clients = new Map(
    ids.map((id) => [id, new KMSClient({ region: region.region, endpoint: region.node(id).endpoint, credentials, maxAttempts: 1, requestHandler: { httpAgent: agent, requestTimeout: WRITE_TIMEOUT_MS } })]),
  );
  let next = 0;
  let sequence = 0;
  return {
    killLeader: async () => {
      const leader = await region.leader();
      // The signal only: the clock starts now, not when the exit is noticed (as with etcd).
      process.kill(region.node(leader).pid, 'SIGKILL');
      down.add(leader);
      return leader;
    },
    restart: async (id) => {
      const node = region.node(id);
      await node.stop('SIGKILL'); // waits for the exit of the process killed above
      await node.restart();
      down.delete(id);
      await caughtUp(region, id);
    },
    write: async (signal) => {
      const alive = ids.filter((id) => !down.has(id));
      const id = alive[next++ % alive.length];
      if (id === undefined) throw new Error('no node is running');
      await clients.get(id)!.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'failover', TagValue: String(sequence++) }] }), { abortSignal: signal });
      return true;
    },
    dispose: () => {
      for (const c of clients.values()) c.destroy();
      agent.destroy();
    },
  };
}

/**
 * Resolves once node `id` follows the leader the Region agrees on and has applied everything that
 * leader had committed when the node first answered.
 */
async function caughtUp(region: TrentRegion, id: string): Promise<void> {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  let target: number | undefined;
  let last = 'no status yet';
  while (Date.now() < deadline) {
    const own = await region.status(id);
    if (own && own.leader !== null) {
      if (target === undefined) {
        const leader = await region.leader().catch(() => undefined);
        const st = leader === undefined ? null : await region.status(leader);
        if (st) target = st.commit;
      }
      if (target !== undefined && own.applied >= target) {
        await region.leader();
        return;
      }
      last = `applied ${own.applied} of ${target ?? '?'}, following ${own.leader}`;
    } else last = own ? 'knows no leader' : 'no status';
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`node ${id} did not catch up within ${CATCH_UP_TIMEOUT_MS} ms (${last})`);
}
