/**
 * In-process micro-benchmark, no HTTP: Trent's blob sealing and opening beside the least a 1 KiB
 * AES-256-GCM encryption can cost in node:crypto, plus SigV4 verification of one Encrypt request.
 * It shows what part of a request's server time is cryptography and what part is everything else.
 */
import { IdentityStore, SigV4Verifier } from '@trent/auth';
import { canonicalEncryptionContext, CIPHERTEXT_OVERHEAD, openSymmetric, sealSymmetric } from '@trent/crypto';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SignedRequest } from './signed-request-recorder';

export interface MicroRow {
  name: string;
  opsPerS: number;
  usPerOp: number;
  /** ops/s of this row over ops/s of its baseline row; undefined for baselines and rows without one. */
  ratio?: number;
}

const PLAINTEXT = randomBytes(1024);
const BACKING_KEY = randomBytes(32);
const HEADER = { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', version: 1 };
const NO_CONTEXT = canonicalEncryptionContext(undefined);

// Raw baseline: a fresh random IV, one AES-256-GCM pass, the tag. What any GCM encryption pays.
function rawGcmSeal(): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', BACKING_KEY, iv, { authTagLength: 16 });
  const out = cipher.update(PLAINTEXT);
  cipher.final();
  return Buffer.concat([iv, out, cipher.getAuthTag()]);
}

const RAW_SEALED = rawGcmSeal();
function rawGcmOpen(): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', BACKING_KEY, RAW_SEALED.subarray(0, 12), { authTagLength: 16 });
  decipher.setAuthTag(RAW_SEALED.subarray(RAW_SEALED.length - 16));
  const out = decipher.update(RAW_SEALED.subarray(12, RAW_SEALED.length - 16));
  decipher.final();
  return out;
}

const TRENT_SEALED = sealSymmetric(BACKING_KEY, HEADER, PLAINTEXT, NO_CONTEXT);
if (TRENT_SEALED.length !== PLAINTEXT.length + CIPHERTEXT_OVERHEAD || !openSymmetric(BACKING_KEY, TRENT_SEALED, NO_CONTEXT)?.equals(PLAINTEXT)) {
  throw new Error('sealSymmetric/openSymmetric do not round-trip; refusing to benchmark them');
}
if (!rawGcmOpen().equals(PLAINTEXT)) throw new Error('raw AES-GCM does not round-trip');

interface Subject {
  name: string;
  run: () => unknown;
  baseline?: string;
}

/**
 * Rounds of `roundMs` per subject, interleaved (A B C A B C …) so a burst of noise from a
 * neighbour hits every subject alike; each subject's figure is its median round.
 */
export function runCryptoMicro(encryptRequest: SignedRequest | undefined, rounds = 5, roundMs = 150): MicroRow[] {
  const subjects: Subject[] = [
    { name: 'node:crypto AES-256-GCM seal, 1 KiB', run: rawGcmSeal },
    { name: 'Trent sealSymmetric, 1 KiB', run: () => sealSymmetric(BACKING_KEY, HEADER, PLAINTEXT, NO_CONTEXT), baseline: 'node:crypto AES-256-GCM seal, 1 KiB' },
    { name: 'node:crypto AES-256-GCM open, 1 KiB', run: rawGcmOpen },
    { name: 'Trent openSymmetric, 1 KiB', run: () => openSymmetric(BACKING_KEY, TRENT_SEALED, NO_CONTEXT), baseline: 'node:crypto AES-256-GCM open, 1 KiB' },
  ];
  if (encryptRequest) subjects.push(sigV4Subject(encryptRequest));

  const samples = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  for (const s of subjects) opsPerSecond(s.run, 50); // warm the JIT
  for (let r = 0; r < rounds; r++) for (const s of subjects) samples.get(s.name)!.push(opsPerSecond(s.run, roundMs));

  const rate = new Map(subjects.map((s) => [s.name, median(samples.get(s.name)!)]));
  return subjects.map((s) => {
    const opsPerS = rate.get(s.name)!;
    return { name: s.name, opsPerS, usPerOp: 1e6 / opsPerS, ratio: s.baseline ? opsPerS / rate.get(s.baseline)! : undefined };
  });
}

function sigV4Subject(req: SignedRequest): Subject {
  const verifier = new SigV4Verifier(IdentityStore.default());
  const incoming = { method: req.method, url: req.path, headers: req.headers, body: req.body };
  verifier.verify(incoming); // throws if the recorder's request would not pass
  return { name: `Trent SigV4Verifier.verify, Encrypt request (${req.body.length} B body)`, run: () => verifier.verify(incoming) };
}

// Results land here so the JIT cannot drop a call whose value is never used.
let sink: unknown;
/** Calls of `fn` per second over about `ms` milliseconds of a tight loop on this thread. */
export function opsPerSecond(fn: () => unknown, ms: number): number {
  const budget = BigInt(Math.round(ms * 1000)) * 1_000n; // ms may be fractional (a slice of --duration over --rounds)
  const start = process.hrtime.bigint();
  let ops = 0;
  let elapsed = 0n;
  // Check the clock every 32 calls: cheap next to a microsecond-scale operation.
  while (elapsed < budget) {
    for (let i = 0; i < 32; i++) sink = fn();
    ops += 32;
    elapsed = process.hrtime.bigint() - start;
  }
  return (ops * 1e9) / Number(elapsed);
}

/** NaN for no samples. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
