import { NodeConfig } from '@trent/config';
import { DomainKey } from '@trent/crypto';
import { KmsService, ReplicaFanout, ToPrimary, ToReplica } from '@trent/kms';
import { LevelKvStore } from '@trent/storage';
import cluster, { Worker } from 'node:cluster';
import pino from 'pino';

/** How long a worker may take to apply an entry before it is stopped (it then serves nothing). */
const REPLICA_ACK_TIMEOUT_MS = 5_000;

/**
 * The node's log owner. It holds LevelDB, the log and the time-driven work, and serves no HTTP
 * itself: its workers do (node:cluster shares the listening port among them). Every worker holds
 * a replica of the applied state; writes come here, and are acknowledged only after every worker
 * has applied them.
 */
export async function runPrimary(config: NodeConfig): Promise<void> {
  const log = pino({ level: config.logLevel, base: { region: config.region, node: config.nodeId, role: 'primary' } });
  const domainKey = await DomainKey.loadOrCreate(config.domainKeyFile);
  const store = await LevelKvStore.open(config.dataDir);
  const fatal = (e: Error) => {
    log.fatal({ err: e }, 'storage failed; stopping the node');
    process.exit(70);
  };
  const { service, log: kmsLog } = await KmsService.openPrimary({ region: config.region, nodeId: config.nodeId, store, domainKey, onFatal: fatal });

  let stopping = false;
  const workerOf = new Map<number, Worker>();
  const fanout = new ReplicaFanout(REPLICA_ACK_TIMEOUT_MS, (id) => {
    log.error({ worker: id }, 'worker did not apply an entry in time; stopping it');
    workerOf.get(id)?.process.kill('SIGKILL');
    fanout.remove(id);
  });
  kmsLog.onApplied(async (entries) => {
    await fanout.applied(entries, kmsLog.status());
    // Moving the clock can make deletions and rotations due at once.
    if (entries.some((e) => e.cmd.body.type === 'AdvanceClock')) setImmediate(() => service.runDueWork());
  });

  const fork = (): void => {
    const worker = cluster.fork({ TRENT_ROLE: 'worker' });
    workerOf.set(worker.id, worker);
    worker.on('message', (m: ToPrimary) => {
      // A worker asks for its snapshot once it listens on IPC; entries follow it, in order.
      if (m.t === 'ready') fanout.add(worker.id, { send: (r: ToReplica) => worker.send(r), onMessage: () => {} }, service.snapshot(), kmsLog.status());
      else if (m.t === 'applied') fanout.acknowledge(worker.id, m.index);
      else if (m.t === 'propose') {
        kmsLog.propose(m.cmd).then(
          (result) => worker.isConnected() && worker.send({ t: 'result', id: m.id, result, index: kmsLog.status().appliedIndex } satisfies ToReplica),
          (e: Error) => worker.isConnected() && worker.send({ t: 'rejected', id: m.id, message: e.message } satisfies ToReplica),
        );
      } else if (m.t === 'due-work') service.runDueWork();
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    fanout.remove(worker.id);
    workerOf.delete(worker.id);
    if (stopping) return;
    log.error({ worker: worker.id, code, signal }, 'worker exited; starting another');
    fork();
  });
  for (let i = 0; i < config.workers; i++) fork();

  const timer = setInterval(() => service.runDueWork(), 1000);
  timer.unref();
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    clearInterval(timer);
    await Promise.all([...workerOf.values()].map((w) => new Promise<void>((r) => (w.isDead() ? r() : (w.once('exit', () => r()), w.process.kill('SIGTERM'))))));
    await service.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  log.info({ workers: config.workers, domainKey: domainKey.fingerprint(), applied: kmsLog.status().appliedIndex, keys: service.status().keys }, 'log open; starting workers');
}
