import 'reflect-metadata';
import { IdentityStore } from '@trent/auth';
import { ConfigError, loadNodeConfig, NodeConfig } from '@trent/config';
import { DomainKey } from '@trent/crypto';
import { KmsService } from '@trent/kms';
import { LevelKvStore } from '@trent/storage';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { readFileSync } from 'node:fs';
import { AwsExceptionFilter } from './aws-exception.filter';
import { NodeModule } from './node.module';

/** Large enough for the biggest KMS request (a 128 KiB key policy plus tags); AWS refuses more. */
const BODY_LIMIT = 1024 * 1024;

async function bootstrap(): Promise<void> {
  const config = readConfig();
  const identities = config.identitiesFile ? IdentityStore.fromConfig(JSON.parse(readFileSync(config.identitiesFile, 'utf8'))) : IdentityStore.default();
  const domainKey = await DomainKey.loadOrCreate(config.domainKeyFile);
  const store = await LevelKvStore.open(config.dataDir);

  const adapter = new FastifyAdapter({
    logger: {
      level: config.logLevel,
      base: { region: config.region, node: config.nodeId },
      // Defence in depth: no route logs these, and none may ever appear in a log line.
      redact: { paths: ['req.headers.authorization', '*.Plaintext', '*.CiphertextBlob', '*.KeyMaterial', '*.Policy'], censor: '[redacted]' },
    },
    // No line per request, and no child logger per request either: each costs about a fifth of the
    // Encrypt throughput (measured with npm run bench). Routes log failures with their own context.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger: FastifyBaseLogger) => logger,
    bodyLimit: BODY_LIMIT,
    keepAliveTimeout: 65_000,
  });
  const fastify = adapter.getInstance() as unknown as FastifyInstance;
  const log = fastify.log;
  const fatal = (e: Error) => {
    log.fatal({ err: e }, 'storage failed; stopping the node');
    process.exit(70);
  };
  const kms = await KmsService.open({ region: config.region, nodeId: config.nodeId, store, domainKey, onFatal: fatal });

  installBodyParsing(fastify);
  const app = await NestFactory.create<NestFastifyApplication>(NodeModule.register(config, kms, identities), adapter, { bodyParser: false, logger: ['error', 'warn'] });
  app.useGlobalFilters(new AwsExceptionFilter());

  const timer = setInterval(() => kms.runDueWork(), 1000);
  timer.unref();
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'stopping');
    clearInterval(timer);
    await app.close();
    await kms.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
  log.info({ url: `http://${config.host}:${config.port}`, domainKey: domainKey.fingerprint(), applied: kms.status().appliedIndex, keys: kms.status().keys, devMode: config.devMode }, 'node ready');
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

function readConfig(): NodeConfig {
  try {
    return loadNodeConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`trent node: ${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
}

bootstrap().catch((e: Error) => {
  process.stderr.write(`trent node: cannot start: ${e.message}\n`);
  process.exit(1);
});
