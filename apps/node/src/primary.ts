import { NodeConfig } from '@trent/config';
import { DomainKey } from '@trent/crypto';
import { KmsService, ReplicaFanout, ToPrimary, ToReplica } from '@trent/kms';
import { isKmsError, KmsErrorCode } from '@trent/protocol';
import { PeerAddress, RaftNode, TcpTransport } from '@trent/raft';
import { DISABLED_REPLICATION_STATUS, NatsBus, Replicator } from '@trent/replication';
import { LevelKvStore } from '@trent/storage';
import cluster, { Worker } from 'node:cluster';
import pino from 'pino';
import { loadIdentities } from './identities';
import { batchingSender, unbatch } from './ipc-batch';
import { answerRaftAdmin } from './raft-admin';
import { loadReplicationKeys } from './replication-keys';

/** Where the primary keeps the Raft addresses of members added at run time. */
const ADDRESSES_KEY = 'node/raft-addresses';

/** How long a worker may take to apply an entry before it is stopped (it then serves nothing). */
const REPLICA_ACK_TIMEOUT_MS = 5_000;
/** How long SIGTERM waits for workers to finish their requests before killing them. */
const WORKER_STOP_GRACE_MS = 5_000;

/**
 * The node's log owner. It holds LevelDB, the log and the time-driven work, and serves no HTTP
 * itself: its workers do (node:cluster shares the listening port among them). Every worker holds
 * a replica of the applied state; writes come here, and are acknowledged only after every worker
 * has applied them.
 */
export async function runPrimary(config: NodeConfig): Promise<void> {
  // Workers accept connections themselves from the shared socket. With node:cluster's default
  // round-robin the primary accepts and hands each connection over IPC; one handed to a worker
  // that dies before taking it is neither closed nor passed on, and its client hangs until its
  // own timeout (seen under repeated worker kills, test/e2e/workers).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const log = pino({ level: config.logLevel, base: { region: config.region, node: config.nodeId, role: 'primary' } });
  // Workers read the identities file too; a bad one must stop the node here, not loop worker restarts.
  loadIdentities(config);
  const domainKey = await DomainKey.loadOrCreate(config.domainKeyFile);
  // Bad or missing replication keys stop the node here, with the file and field named.
  const replicationKeys = loadReplicationKeys(config);
  const store = await LevelKvStore.open(config.dataDir);
  const fatal = (e: Error) => {
    log.fatal({ err: e }, 'fatal error (storage or Raft); stopping the node');
    process.exit(70);
  };
  // A joining node starts as a learner beside the current members; the leader promotes it.
  const members = Object.keys(config.raft.peers);
  const voters = config.raft.join ? members.filter((id) => id !== config.nodeId) : members;
  const learners = config.raft.join ? [config.nodeId] : [];
  // Addresses of members added at run time (membership changes) are kept beside the log.
  const addresses: Record<string, PeerAddress> = { ...((await store.get<Record<string, PeerAddress>>(ADDRESSES_KEY)) ?? {}), ...config.raft.peers };
  let raft: RaftNode | undefined;
  let transport: TcpTransport | undefined;
  const { service, log: kmsLog } = await KmsService.openPrimary({
    region: config.region,
    nodeId: config.nodeId,
    store,
    domainKey,
    replicationRegions: replicationKeys?.trustedRegions(),
    onFatal: fatal,
    openConsensus: async (stateMachine, applied) => {
      const node = await RaftNode.open({
        id: config.nodeId,
        peers: voters,
        learners,
        store,
        stateMachine,
        applied,
        tickMs: config.raft.tickMs,
        electionTicks: config.raft.electionTicks,
        heartbeatTicks: 1,
        onFatal: fatal,
        compactAfter: config.raft.compactAfter,
        trailingEntries: config.raft.trailingEntries,
        onConfChange: (cc) => {
          if (cc.type === 'removeNode') {
            if (cc.node !== config.nodeId) delete addresses[cc.node];
          } else if (cc.context) {
            const address = parseAddress(cc.context);
            if (address) addresses[cc.node] = address;
          }
          transport?.setPeers(addresses);
          store.batch([{ type: 'put', key: ADDRESSES_KEY, value: addresses }], { sync: false }).catch(fatal);
          log.info({ change: cc.type, node: cc.node, address: cc.context }, 'Region membership changed');
        },
      });
      raft = node;
      transport = await TcpTransport.listen({
        id: config.nodeId,
        cluster: config.region,
        listen: { host: config.raft.host, port: config.raft.port },
        peers: addresses,
        onMessage: (m) => node.step(m),
        onUnreachable: (id) => node.reportUnreachable(id),
        log,
      });
      node.connect(transport);
      // Alone in its Region, a node need not wait an election timeout to lead.
      if (voters.length === 1 && voters[0] === config.nodeId && !config.raft.join) node.campaign();
      return node;
    },
  });

  let stopping = false;
  const workers = new Map<number, Worker>();
  // A stuck worker is only killed here; it leaves the fan-out on 'exit', once it is known to be gone.
  const fanout = new ReplicaFanout(REPLICA_ACK_TIMEOUT_MS, (id) => {
    log.error({ worker: id }, 'worker did not apply an entry in time; stopping it');
    workers.get(id)?.process.kill('SIGKILL');
  });
  kmsLog.onRestored(() => {
    log.info({ applied: kmsLog.status().appliedIndex, keys: service.status().keys }, 'installed a snapshot from the leader');
    fanout.reset(service.snapshot(), kmsLog.status());
  });
  // Multi-Region keys: this node sends what its Region owes others while it leads, and takes its
  // share of what other Regions send (every node of the Region listens in one NATS queue group).
  let replicator: Replicator | undefined;
  if (replicationKeys && config.replication) {
    const bus = new NatsBus({ region: config.region, servers: config.replication.natsUrl, log, name: `trent-${config.region}-node-${config.nodeId}` });
    void bus.start();
    replicator = new Replicator({ host: service.replicationHost(), keys: replicationKeys, bus, log });
    replicator.start();
  }
  kmsLog.onApplied(async (entries) => {
    await fanout.applied(entries, kmsLog.status());
    if (replicator) service.replicationHost().changed();
    // Moving the clock can make deletions and rotations due at once.
    if (entries.some((e) => e.cmd?.body.type === 'AdvanceClock')) setImmediate(() => service.runDueWork());
  });

  const fork = (): void => {
    const worker = cluster.fork();
    workers.set(worker.id, worker);
    // A channel can close before the worker's 'exit'; sending then must not take the primary down.
    const send = batchingSender<ToReplica>((batch) => worker.isConnected() && worker.send(batch));
    worker.on('error', (err) => log.warn({ worker: worker.id, err }, 'worker channel error'));
    worker.on('message', (received: ToPrimary | ToPrimary[]) => unbatch(received, (m) => {
      // A worker asks for its snapshot once it listens on IPC; entries follow it, in order.
      if (m.t === 'ready') fanout.add(worker.id, { send, onMessage: () => {} }, service.snapshot(), kmsLog.status());
      else if (m.t === 'applied') fanout.acknowledge(worker.id, m.index);
      else if (m.t === 'propose') {
        kmsLog.propose(m.cmd).then(
          (result) => send({ t: 'result', id: m.id, result }),
          (e: Error) => send({ t: 'rejected', id: m.id, ...asKmsFailure(e) }),
        );
      } else if (m.t === 'admin' && m.request.op === 'replication') {
        send({ t: 'adminReply', id: m.id, status: 200, body: replicator?.status() ?? DISABLED_REPLICATION_STATUS });
      } else if (m.t === 'admin') {
        void answerRaftAdmin(raft!, m.request).then((reply) => send({ t: 'adminReply', id: m.id, ...reply }));
      } else if (m.t === 'read') {
        kmsLog.readBarrier().then(
          () => send({ t: 'readOk', id: m.id, index: kmsLog.publishedIndex }),
          (e: Error) => send({ t: 'readFailed', id: m.id, ...asKmsFailure(e) }),
        );
      }
    }));
    worker.once('listening', () => ((worker as Worker & { served?: boolean }).served = true));
  };
  cluster.on('exit', (worker, code, signal) => {
    fanout.remove(worker.id);
    workers.delete(worker.id);
    if (stopping) return;
    if (!(worker as Worker & { served?: boolean }).served && signal === null) {
      // It gave up before listening (port taken, bad configuration): restarting it would only loop.
      // One killed by a signal before it listened is simply replaced.
      log.fatal({ worker: worker.id, code, signal }, 'a worker failed to start; stopping the node');
      void shutdown('worker start-up failure', 1);
      return;
    }
    log.error({ worker: worker.id, code, signal }, 'worker exited; starting another');
    fork();
  });
  for (let i = 0; i < config.workers; i++) fork();

  const timer = setInterval(() => service.runDueWork(), 1000);
  timer.unref();
  const shutdown = async (reason: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'stopping');
    clearInterval(timer);
    await Promise.all([...workers.values()].map((w) => stopWorker(w)));
    await replicator?.close();
    await service.close();
    await transport?.close();
    await store.close();
    process.exit(exitCode);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  log.info({ workers: config.workers, domainKey: domainKey.fingerprint(), applied: kmsLog.status().appliedIndex, keys: service.status().keys }, 'log open; starting workers');
}

/** 'host:port' → address; null if malformed. */
function parseAddress(text: string): PeerAddress | null {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(text);
  return m && Number(m[2]) <= 65535 ? { host: m[1], port: Number(m[2]) } : null;
}

/** A failure as a worker reports it to its client: AWS's error if it is one, else an internal error. */
function asKmsFailure(e: Error): { code: KmsErrorCode; message: string } {
  return isKmsError(e) ? { code: e.code, message: e.message } : { code: 'KMSInternalException', message: 'The node failed to process the request.' };
}

/** SIGTERM, then SIGKILL after the grace period (a stopped or hung worker must not block shutdown). */
function stopWorker(w: Worker): Promise<void> {
  if (w.isDead()) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => w.process.kill('SIGKILL'), WORKER_STOP_GRACE_MS);
    w.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    w.process.kill('SIGTERM');
  });
}
