import 'reflect-metadata';
import { NodeConfig } from '@trent/config';
import { DomainKey } from '@trent/crypto';
import { KmsService, ToPrimary, ToReplica } from '@trent/kms';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import cluster from 'node:cluster';
import { AwsExceptionFilter } from './aws-exception.filter';
import { batchingSender, unbatch } from './ipc-batch';
import { loadIdentities } from './identities';
import { readTrustedRegions } from '@trent/replication';
import { NodeModule } from './node.module';

/** Large enough for the biggest KMS request (a 128 KiB key policy plus tags); AWS refuses more. */
const BODY_LIMIT = 1024 * 1024;

/**
 * One HTTP worker of the node: the KMS API and the /_trent routes, answered from a replica of the
 * applied state that the primary keeps current. Exits when the primary goes away.
 */
export async function runWorker(config: NodeConfig): Promise<void> {
  const identities = loadIdentities(config);
  const domainKey = await DomainKey.loadOrCreate(config.domainKeyFile);
  const inbox = new Inbox();
  process.send!({ t: 'ready' } satisfies ToPrimary);
  const first = await inbox.first();
  if (first.t !== 'snapshot') throw new Error(`expected the state snapshot first, got ${first.t}`);
  const channel = { send: batchingSender<ToPrimary>((batch) => process.connected && process.send!(batch)), onMessage: (h: (m: ToReplica) => void) => inbox.deliverTo(h) };
  // The Region's private replication keys stay with the primary (the replicator runs there).
  const replicationRegions = config.replication ? readTrustedRegions(config.replication.trustFile) : undefined;
  const { service: kms, log: replicaLog } = KmsService.openReplica({ region: config.region, domainKey, replicationRegions }, first.snapshot, first.status, channel);
  process.on('disconnect', () => {
    replicaLog.disconnect();
    process.exit(0);
  });

  const adapter = new FastifyAdapter({
    logger: {
      level: config.logLevel,
      base: { region: config.region, node: config.nodeId, worker: cluster.worker?.id },
      // Defence in depth: no route logs these, and none may ever appear in a log line.
      redact: { paths: ['req.headers.authorization', '*.Plaintext', '*.CiphertextBlob', '*.KeyMaterial', '*.Policy'], censor: '[redacted]' },
    },
    // No line per request, and no child logger per request either: each costs throughput (npm run
    // bench). Routes log failures with their own context.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger: FastifyBaseLogger) => logger,
    bodyLimit: BODY_LIMIT,
    keepAliveTimeout: 65_000,
  });
  installBodyParsing(adapter.getInstance() as unknown as FastifyInstance);
  const app = await NestFactory.create<NestFastifyApplication>(NodeModule.register(config, kms, identities, (request) => replicaLog.admin(request)), adapter, { bodyParser: false, logger: ['error', 'warn'] });
  app.useGlobalFilters(new AwsExceptionFilter());
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  process.on('SIGINT', () => {}); // Ctrl-C reaches the whole process group; the primary decides.
  await app.listen({ host: config.host, port: config.port });
  if (cluster.worker?.id === 1) {
    (adapter.getInstance() as unknown as FastifyInstance).log.info({ url: `http://${config.host}:${config.port}`, workers: config.workers, devMode: config.devMode }, 'node ready');
  }
}

/** The KMS route needs the exact bytes (SigV4 signs them), so every body is read as a Buffer; /_trent routes take JSON. */
function installBodyParsing(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    if (!req.url.startsWith('/_trent/')) return done(null, body);
    try {
      done(null, (body as Buffer).length ? JSON.parse((body as Buffer).toString('utf8')) : {});
    } catch {
      done(Object.assign(new Error('body is not JSON'), { statusCode: 400 }), undefined);
    }
  });
}

/**
 * The primary's messages, held from the moment the worker asks for its snapshot until the replica
 * log takes them over, so that no entry sent in between is lost (IPC emits with or without a listener).
 */
class Inbox {
  private readonly held: ToReplica[] = [];
  private handler?: (m: ToReplica) => void;
  private waiting?: (m: ToReplica) => void;

  constructor() {
    process.on('message', (received: ToReplica | ToReplica[]) =>
      unbatch(received, (m) => {
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w(m);
        } else if (this.handler) this.handler(m);
        else this.held.push(m);
      }),
    );
  }

  first(): Promise<ToReplica> {
    const m = this.held.shift();
    return m ? Promise.resolve(m) : new Promise((resolve) => (this.waiting = resolve));
  }

  deliverTo(handler: (m: ToReplica) => void): void {
    this.handler = handler;
    for (const m of this.held.splice(0)) handler(m);
  }
}
