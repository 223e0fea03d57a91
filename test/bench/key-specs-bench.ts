/**
 * The key-specs section of `npm run bench`: Sign and Verify for each asymmetric key spec, and
 * GenerateMac, through the API of one Trent node, each beside the same operation run raw in this
 * process (node:crypto, or @noble/post-quantum for ML-DSA) on one thread, measured in the same run.
 *
 * Every case runs raw, API, raw, API, …, raw, so a neighbour's burst of work slows both sides alike,
 * and is reported as a ratio (Trent req/s ÷ raw ops/s): on a shared machine absolute figures mean
 * little. The API side is the single-node cases' machinery: pools of requests signed beforehand by
 * @aws-sdk/client-kms, replayed by autocannon, every reply checked before the first slice.
 */
import { CreateKeyCommand, GenerateMacCommand, GetPublicKeyCommand, KeySpec as KmsKeySpec, KMSClient, MacAlgorithmSpec, SignCommand, SigningAlgorithmSpec, VerifyCommand } from '@aws-sdk/client-kms';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa';
import { constants, createHmac, createPublicKey, generateKeyPairSync, KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { cpus } from 'node:os';
import type { TrentNode } from '../support/trent-node';
import { KeySpecsOptions, sliceSchedule } from './bench-options';
import { median, opsPerSecond } from './crypto-micro';
import { sliceRate } from './http-load';
import { blobLength, expectFields, interleavedRatios, LoadCase, ReplyCheck, SignedPool } from './load-case';
import { httpRow, KeySpecRow, KeySpecsReport } from './report';
import { SignedRequestRecorder } from './signed-request-recorder';

const POOL_SIZE = 128;
const MESSAGE_BYTES = 32;
const MAC_BYTES = 32; // HMAC_SHA_256
/** Unmeasured raw calls before a case's first raw slice, to warm the JIT. */
const RAW_WARMUP_MS = 200;

type KeySpec = Extract<KmsKeySpec, 'RSA_2048' | 'ECC_NIST_P256' | 'ECC_NIST_EDWARDS25519' | 'ML_DSA_65'>;

/** A signature scheme run raw: a local key pair of the key spec's type, and a verifier for Trent's public key. */
interface RawScheme {
  /** What the raw column runs, for the report. */
  readonly description: string;
  sign(message: Buffer): Uint8Array;
  verify(message: Buffer, signature: Uint8Array): boolean;
  /** A verifier for the key GetPublicKey returned (DER SubjectPublicKeyInfo); throws if it cannot be read. */
  verifierFor(spki: Uint8Array): (message: Buffer, signature: Uint8Array) => boolean;
}

interface SigningSpec {
  keySpec: KeySpec;
  algorithm: SigningAlgorithmSpec;
  /** Signature length in bytes; a DER ECDSA signature's varies with its integers' leading zeros. */
  signatureBytes: number | { min: number; max: number };
  scheme: () => RawScheme;
}

const SIGNING_SPECS: readonly SigningSpec[] = [
  { keySpec: 'RSA_2048', algorithm: 'RSASSA_PSS_SHA_256', signatureBytes: 256, scheme: rsaPss },
  { keySpec: 'ECC_NIST_P256', algorithm: 'ECDSA_SHA_256', signatureBytes: { min: 8, max: 72 }, scheme: ecdsaP256 },
  { keySpec: 'ECC_NIST_EDWARDS25519', algorithm: 'ED25519_SHA_512', signatureBytes: 64, scheme: ed25519 },
  { keySpec: 'ML_DSA_65', algorithm: 'ML_DSA_SHAKE_256', signatureBytes: 3309, scheme: mlDsa65 },
];
const MAC_SPEC = { keySpec: 'HMAC_256', algorithm: 'HMAC_SHA_256' } as const satisfies { keySpec: KmsKeySpec; algorithm: MacAlgorithmSpec };
/** Sign and Verify per signing spec, and GenerateMac. */
export const KEY_SPECS_CASES = SIGNING_SPECS.length * 2 + 1;

/** What building the cases needs: the node, a client for set-up calls, the recorder for the pools. */
interface Setup {
  url: string;
  client: KMSClient;
  recorder: SignedRequestRecorder;
  connections: number;
  progress: (line: string) => void;
}

/** One row being measured: the API side as a LoadCase, the raw side as a function to call in a loop. */
interface Case {
  keySpec: string;
  operation: KeySpecRow['operation'];
  algorithm: string;
  api: LoadCase;
  rawDescription: string;
  raw: () => unknown;
}

/** Seconds the section may take at most, for the bench's deadline. */
export function keySpecsBudgetS(o: KeySpecsOptions): number {
  if (!o.run) return 0;
  const { rounds, sliceS } = sliceSchedule(o);
  // 40 s for the node's start, the keys and signing the pools; per case the warm-up, the API slices,
  // one more raw slice than API slices, and 2 s per slice for connecting, checking replies and the
  // raw loop's overrun (it looks at the clock every 32 calls: ~0.3 s of ML-DSA signing).
  return 40 + KEY_SPECS_CASES * (o.warmupS + rounds * sliceS + (rounds + 1) * sliceS + 2 * (2 * rounds + 2));
}

export async function runKeySpecs(
  node: TrentNode,
  o: KeySpecsOptions,
  credentials: { accessKeyId: string; secretAccessKey: string },
  progress: (line: string) => void,
): Promise<KeySpecsReport> {
  const { rounds, sliceS } = sliceSchedule(o);
  const client = explainFailures(node.client());
  const recorder = new SignedRequestRecorder(node.endpoint, node.region, credentials);
  const problems: string[] = [];
  try {
    progress(`key-specs: creating ${SIGNING_SPECS.length + 1} keys and one signature per key spec…`);
    const setup: Setup = { url: node.endpoint, client, recorder, connections: o.connections, progress };
    const cases: Case[] = [];
    // A key spec whose set-up fails is reported and left out; the others still run.
    const add = async (keySpec: string, make: () => Promise<Case[]>): Promise<void> => {
      try {
        cases.push(...(await make()));
      } catch (e) {
        const problem = `${keySpec}: set-up failed, not measured: ${(e as Error).message}`;
        problems.push(problem);
        progress(`!!! key-specs: ${problem}`);
      }
    };
    for (const spec of SIGNING_SPECS) await add(spec.keySpec, () => signingCases(spec, setup, problems));
    await add(MAC_SPEC.keySpec, async () => [await macCase(setup)]);

    const rows: KeySpecRow[] = [];
    for (const c of cases) rows.push(await measureCase(c, o.warmupS, rounds, sliceS, progress));
    return {
      load: { tool: 'autocannon 8', connections: o.connections, warmupS: o.warmupS, durationS: o.durationS, rounds, sliceS, requestsPerPool: POOL_SIZE, messageBytes: MESSAGE_BYTES },
      workers: await workersOf(node),
      cores: cpus().length,
      rows,
      problems,
      valid: problems.length === 0 && rows.every((r) => r.api.errors === 0),
    };
  } finally {
    recorder.destroy();
    client.destroy();
  }
}

/** raw, then API and raw in turn for each round: the ratio of slice r uses the raw slices either side of it. */
async function measureCase(c: Case, warmupS: number, rounds: number, sliceS: number, progress: (line: string) => void): Promise<KeySpecRow> {
  const name = `${c.keySpec} ${c.operation}`;
  progress(`key-specs: ${name}: checking every reply, then ${warmupS} s warm-up…`);
  await c.api.warmUp(warmupS);
  const apiRates: number[] = [];
  const rawRates: number[] = [];
  if (!c.api.failed) {
    opsPerSecond(c.raw, RAW_WARMUP_MS);
    rawRates.push(opsPerSecond(c.raw, sliceS * 1000));
    for (let r = 0; r < rounds; r++) {
      const slice = await c.api.measure(sliceS);
      apiRates.push(slice ? sliceRate(slice) : NaN);
      rawRates.push(opsPerSecond(c.raw, sliceS * 1000));
    }
  }
  const ratios = interleavedRatios(apiRates, rawRates);
  const { ratioToFastify: _, ratioByRound: __, ...api } = httpRow(name, c.api.result(), NaN, [], c.api.problems);
  const row: KeySpecRow = {
    keySpec: c.keySpec,
    operation: c.operation,
    algorithm: c.algorithm,
    api,
    raw: c.rawDescription,
    rawOpsPerS: rawRates.length > 0 ? rawRates.reduce((a, b) => a + b, 0) / rawRates.length : NaN,
    rawSliceOpsPerS: rawRates,
    ratio: median(ratios),
    ratioByRound: ratios,
  };
  if (c.api.slices.length > 0) progress(`key-specs: ${name}: Trent ${api.requestsPerS.toFixed(0)} req/s, raw ${row.rawOpsPerS.toFixed(0)} ops/s, ratio ${row.ratio.toFixed(2)}`);
  return row;
}

/**
 * A SIGN_VERIFY key of `spec`, its public key, and one signature from Sign over MESSAGE that the
 * raw library must accept under that public key; then the Sign and Verify cases.
 */
async function signingCases(spec: SigningSpec, { url, client, recorder, connections, progress }: Setup, problems: string[]): Promise<Case[]> {
  const { keySpec, algorithm } = spec;
  const created = await client.send(new CreateKeyCommand({ KeySpec: keySpec, KeyUsage: 'SIGN_VERIFY', Description: `trent bench ${keySpec}` }));
  const keyId = created.KeyMetadata!.KeyId!;
  const arn = created.KeyMetadata!.Arn!;
  const scheme = spec.scheme();
  const publicKey = (await client.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey;
  if (!publicKey) throw new Error(`GetPublicKey ${keyId} answered without a PublicKey`);
  const trentVerifies = scheme.verifierFor(publicKey);
  const message = randomBytes(MESSAGE_BYTES);
  const signed = await client.send(new SignCommand({ KeyId: keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: algorithm }));
  if (!signed.Signature) throw new Error(`Sign ${keyId} ${algorithm} answered without a Signature`);
  const signature = Buffer.from(signed.Signature);
  if (!trentVerifies(message, signature)) {
    const problem = `${keySpec}: Trent's ${algorithm} signature (${signature.length} bytes) over a ${MESSAGE_BYTES}-byte RAW message does not verify under its GetPublicKey key with ${scheme.description}`;
    problems.push(problem);
    progress(`!!! key-specs: ${problem}`);
  }

  const messages = Array.from({ length: POOL_SIZE }, () => randomBytes(MESSAGE_BYTES));
  const signPool = new SignedPool(() =>
    recorder.recordMany(POOL_SIZE, (kms, i) => kms.send(new SignCommand({ KeyId: keyId, Message: messages[i], MessageType: 'RAW', SigningAlgorithm: algorithm }))),
  );
  const verifyPool = new SignedPool(() =>
    recorder.recordMany(POOL_SIZE, (kms) => kms.send(new VerifyCommand({ KeyId: keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: algorithm, Signature: signature }))),
  );
  const common = (b: Record<string, unknown>): Array<true | string> => [
    b.KeyId === arn || `KeyId ${String(b.KeyId)}`,
    b.SigningAlgorithm === algorithm || `SigningAlgorithm ${String(b.SigningAlgorithm)}`,
  ];
  // Each Sign reply is checked by the raw library too: a fast wrong signature is no result.
  const signCheck: ReplyCheck = (reply, _, i) =>
    expectFields(reply, (b) => {
      const length = blobLength(b.Signature, spec.signatureBytes);
      const valid = length !== true || trentVerifies(messages[i]!, Buffer.from(b.Signature as string, 'base64')) || `the signature does not verify under the GetPublicKey key`;
      return [length, valid, ...common(b)];
    });
  const verifyCheck: ReplyCheck = (reply) => expectFields(reply, (b) => [b.SignatureValid === true || `SignatureValid ${String(b.SignatureValid)}`, ...common(b)]);

  const localSignature = scheme.sign(message);
  if (!scheme.verify(message, localSignature)) throw new Error(`${scheme.description}: a local signature does not verify; refusing to benchmark it`);
  return [
    {
      keySpec,
      operation: 'Sign',
      algorithm,
      api: new LoadCase(`${keySpec} Sign`, url, signPool, signCheck, connections, progress),
      rawDescription: `${scheme.description}, sign`,
      raw: () => scheme.sign(message),
    },
    {
      keySpec,
      operation: 'Verify',
      algorithm,
      api: new LoadCase(`${keySpec} Verify`, url, verifyPool, verifyCheck, connections, progress),
      rawDescription: `${scheme.description}, verify`,
      raw: () => scheme.verify(message, localSignature),
    },
  ];
}

async function macCase({ url, client, recorder, connections, progress }: Setup): Promise<Case> {
  const { keySpec, algorithm } = MAC_SPEC;
  const created = await client.send(new CreateKeyCommand({ KeySpec: keySpec, KeyUsage: 'GENERATE_VERIFY_MAC', Description: `trent bench ${keySpec}` }));
  const keyId = created.KeyMetadata!.KeyId!;
  const arn = created.KeyMetadata!.Arn!;
  const messages = Array.from({ length: POOL_SIZE }, () => randomBytes(MESSAGE_BYTES));
  const pool = new SignedPool(() => recorder.recordMany(POOL_SIZE, (kms, i) => kms.send(new GenerateMacCommand({ KeyId: keyId, Message: messages[i], MacAlgorithm: algorithm }))));
  const check: ReplyCheck = (reply) =>
    expectFields(reply, (b) => [blobLength(b.Mac, MAC_BYTES), b.MacAlgorithm === algorithm || `MacAlgorithm ${String(b.MacAlgorithm)}`, b.KeyId === arn || `KeyId ${String(b.KeyId)}`]);
  const key = randomBytes(32);
  const message = messages[0]!;
  return {
    keySpec,
    operation: 'GenerateMac',
    algorithm,
    api: new LoadCase(`${keySpec} GenerateMac`, url, pool, check, connections, progress),
    rawDescription: "node:crypto createHmac('sha256'), 32-byte key",
    raw: () => createHmac('sha256', key).update(message).digest(),
  };
}

/**
 * Set-up calls fail with an error that names the operation, its input and the HTTP status, so a
 * server bug can be reported as request, expected, got (the SDK's own message names none of them).
 */
function explainFailures(client: KMSClient): KMSClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (e) {
        const err = e as Error & { $metadata?: { httpStatusCode?: number } };
        const input = JSON.stringify(args.input, (_, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v));
        err.message = `${context.commandName ?? 'request'} ${input} → HTTP ${err.$metadata?.httpStatusCode ?? '?'} ${err.name}: ${err.message}`;
        throw err;
      }
    },
    { step: 'initialize', name: 'explainFailures' },
  );
  return client;
}

/** The node's HTTP worker count, as it reports it; NaN when it does not say. */
async function workersOf(node: TrentNode): Promise<number> {
  try {
    const status = (await (await fetch(`${node.endpoint}/_trent/status`)).json()) as { workers?: unknown };
    return typeof status.workers === 'number' ? status.workers : NaN;
  } catch {
    return NaN;
  }
}

// ---- the raw schemes ----

function rsaPss(): RawScheme {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // AWS's RSASSA_PSS_SHA_256: MGF1 with SHA-256, salt as long as the digest.
  const pss = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  return nodeScheme('node:crypto RSA-2048 PSS SHA-256, salt 32', 'sha256', { key: privateKey, ...pss }, (key) => ({ key, ...pss }), publicKey);
}

function ecdsaP256(): RawScheme {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return nodeScheme('node:crypto ECDSA P-256 SHA-256, DER', 'sha256', privateKey, (key) => key, publicKey);
}

function ed25519(): RawScheme {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return nodeScheme('node:crypto Ed25519', null, privateKey, (key) => key, publicKey);
}

type VerifyKey = KeyObject | { key: KeyObject; padding: number; saltLength: number };

function nodeScheme(description: string, digest: string | null, signKey: KeyObject | { key: KeyObject }, verifyKey: (k: KeyObject) => VerifyKey, publicKey: KeyObject): RawScheme {
  const own = verifyKey(publicKey);
  return {
    description,
    sign: (message) => sign(digest, message, signKey),
    verify: (message, signature) => verify(digest, message, own, signature),
    verifierFor: (spki) => {
      const theirs = verifyKey(createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }));
      return (message, signature) => verify(digest, message, theirs, signature);
    },
  };
}

/**
 * A DER SubjectPublicKeyInfo of ML-DSA-65 (OID 2.16.840.1.101.3.4.3.18, RFC 9881) is this header and
 * the 1952-byte public key; Node 20 has no ML-DSA, so the key is cut out by hand.
 */
const ML_DSA_65_SPKI_HEADER = Buffer.from('308207b2300b0609608648016503040312038207a100', 'hex');
const ML_DSA_65_PUBLIC_KEY_BYTES = 1952;

/** FIPS 204 pure ML-DSA's M′ for an empty context: 0 || |ctx| = 0 || M (Algorithm 2, line 10). */
const pureMessage = (message: Buffer): Uint8Array => Buffer.concat([Buffer.from([0, 0]), message]);

function mlDsa65(): RawScheme {
  const { secretKey, publicKey } = ml_dsa65.keygen(randomBytes(32));
  return {
    description: '@noble/post-quantum ml_dsa65, hedged, empty context',
    // Hedged, as Trent and AWS sign: fresh rnd every call. Without it noble signs deterministically,
    // and a fixed key and message take the same number of rejection rounds every time, so the loop
    // would time one draw of that count (seen: 60 to 170 ops/s from run to run) instead of its mean.
    // internal.sign, because 0.4.1's typings give the outer sign (secretKey, msg, random) while its
    // code takes (secretKey, msg, ctx, random).
    sign: (message) => ml_dsa65.internal.sign(secretKey, pureMessage(message), randomBytes(32)),
    verify: (message, signature) => ml_dsa65.verify(publicKey, message, signature),
    verifierFor: (spki) => {
      const der = Buffer.from(spki);
      const header = der.subarray(0, ML_DSA_65_SPKI_HEADER.length);
      if (der.length !== ML_DSA_65_SPKI_HEADER.length + ML_DSA_65_PUBLIC_KEY_BYTES || !header.equals(ML_DSA_65_SPKI_HEADER)) {
        throw new Error(`GetPublicKey of an ML_DSA_65 key: expected a ${ML_DSA_65_SPKI_HEADER.length + ML_DSA_65_PUBLIC_KEY_BYTES}-byte SPKI starting ${ML_DSA_65_SPKI_HEADER.toString('hex')}, got ${der.length} bytes starting ${header.toString('hex')}`);
      }
      const theirs = der.subarray(ML_DSA_65_SPKI_HEADER.length);
      return (message, signature) => ml_dsa65.verify(theirs, message, signature);
    },
  };
}
