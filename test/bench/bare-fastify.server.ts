/**
 * The baseline: the cheapest honest server for the same traffic. Fastify (the version the node
 * uses), one POST / route, the request body parsed as JSON by Fastify's own parser, and a reply
 * the size of an Encrypt reply for 1 KiB serialised per request. No signature check, no crypto,
 * no Nest: what is left is the cost of HTTP and JSON, which Trent cannot go below.
 *
 * Run as a child process by ServerProcess; reports its port over IPC and exits when the
 * parent goes away.
 */
import Fastify from 'fastify';
import { randomBytes } from 'node:crypto';

const AMZ_JSON = 'application/x-amz-json-1.1';
// Encrypt of 1 KiB answers with a 1024 + 87 byte blob, i.e. 1484 base64 characters.
const CIPHERTEXT_BLOB = randomBytes(1024 + 87).toString('base64');

async function main(): Promise<void> {
  const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });
  app.addContentTypeParser(AMZ_JSON, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  app.post('/', async (req, reply) => {
    const { KeyId } = req.body as { KeyId?: unknown };
    reply.header('content-type', AMZ_JSON);
    // Echoing the request's KeyId proves the body was parsed, and lets the bench check the reply.
    return { CiphertextBlob: CIPHERTEXT_BLOB, KeyId: `arn:aws:kms:us-east-1:000000000000:key/${String(KeyId)}`, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  process.send!({ ready: new URL(address).port });
}

process.on('disconnect', () => process.exit(0));
main().catch((e: Error) => {
  process.stderr.write(`bare fastify: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
