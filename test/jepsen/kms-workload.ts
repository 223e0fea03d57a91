import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { ClientWorker, Completion, HistoryRecorder, Op } from './history';
import { kmsCompletionForError, KmsOperation, KmsOutput } from './kms-model';
import { SeededRandom } from './seeded-random';

/**
 * The client side of the Jepsen test: concurrent workers doing CreateKey / DescribeKey /
 * DisableKey / EnableKey / Encrypt / Decrypt over a few keys at a time (jepsen.independent),
 * each op against a node drawn from the worker's seeded PRNG, every op recorded as
 * invoke + ok/fail/info (kms-model.ts decides which).
 */

export interface WorkloadOptions {
  /** Concurrent clients. */
  workers: number;
  /** Keys in use at a time. */
  activeKeys: number;
  /** A key retires after this many ops, and a new one is created: short per-key histories stay checkable. */
  opsPerKey: number;
  /** Per-request timeout of the SDK client (an op that outlives it is info for a write, fail for a read). */
  requestTimeoutMs: number;
}

export const DEFAULT_WORKLOAD: WorkloadOptions = { workers: 6, activeKeys: 3, opsPerKey: 250, requestTimeoutMs: 3_000 };

/** What every op records as input besides the model's own fields: the node it was sent to. */
export type OpInput = { node: string } & ({} | { plaintext: string } | { ciphertext: string });

/** A key the workload learned from an ok CreateKey. */
export interface WorkloadKey {
  readonly id: string;
  ops: number;
  /** Ciphertexts of ok Encrypts under this key, with their plaintexts (base64). */
  readonly encrypted: Array<{ ciphertext: string; plaintext: string }>;
}

/** One SDK client per node, without retries, so a timeout is an info op rather than a silent retry. */
export class NodeClients {
  private readonly clients = new Map<string, KMSClient>();

  constructor(endpoints: ReadonlyMap<string, string>, region: string, requestTimeoutMs: number) {
    for (const [id, endpoint] of endpoints) {
      this.clients.set(
        id,
        new KMSClient({
          region,
          endpoint,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          maxAttempts: 1,
          requestHandler: { requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true, connectionTimeout: 1_000 },
        }),
      );
    }
  }

  get ids(): string[] {
    return [...this.clients.keys()];
  }

  client(id: string): KMSClient {
    const c = this.clients.get(id);
    if (!c) throw new Error(`no node ${id}`);
    return c;
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
  }
}

/**
 * Sends one KMS operation and says how it ended. A hard deadline (timeout + 1 s) backs the SDK's
 * socket timeout: a request to a SIGSTOPped node must end too.
 */
export async function callKms(
  client: KMSClient,
  f: KmsOperation,
  keyId: string | undefined,
  input: OpInput,
  requestTimeoutMs: number,
): Promise<Completion<KmsOutput>> {
  const opts = { abortSignal: AbortSignal.timeout(requestTimeoutMs + 1_000) };
  try {
    switch (f) {
      case 'CreateKey': {
        const r = await client.send(new CreateKeyCommand({ Description: 'jepsen' }), opts);
        const id = r.KeyMetadata!.KeyId!;
        return { outcome: 'ok', output: { keyId: id }, key: id };
      }
      case 'DescribeKey': {
        const r = await client.send(new DescribeKeyCommand({ KeyId: keyId }), opts);
        const state = r.KeyMetadata!.KeyState;
        // Any other KeyState is recorded as is; the model refuses it, so the checker reports it.
        const output = state === 'Enabled' || state === 'Disabled' ? { enabled: state === 'Enabled' } : ({ keyState: state } as unknown as KmsOutput);
        return { outcome: 'ok', output };
      }
      case 'DisableKey':
        await client.send(new DisableKeyCommand({ KeyId: keyId }), opts);
        return { outcome: 'ok', output: {} };
      case 'EnableKey':
        await client.send(new EnableKeyCommand({ KeyId: keyId }), opts);
        return { outcome: 'ok', output: {} };
      case 'Encrypt': {
        const { plaintext } = input as { plaintext: string };
        const r = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plaintext, 'base64') }), opts);
        return { outcome: 'ok', output: { ciphertext: Buffer.from(r.CiphertextBlob!).toString('base64') } };
      }
      case 'Decrypt': {
        // No KeyId: the node must find the key from the ciphertext, and name it in the answer.
        const { ciphertext } = input as { ciphertext: string };
        const r = await client.send(new DecryptCommand({ CiphertextBlob: Buffer.from(ciphertext, 'base64') }), opts);
        return { outcome: 'ok', output: { plaintext: Buffer.from(r.Plaintext!).toString('base64'), keyId: r.KeyId! } };
      }
      default: {
        const never: never = f;
        throw new Error(`unknown operation ${String(never)}`);
      }
    }
  } catch (e) {
    return kmsCompletionForError(f, e);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The shared pool of keys plus the workers that use it. Workers are plain async loops on one
 * event loop, so the pool needs no locking.
 */
export class KmsWorkload {
  /** Every key ever learned, in creation order. */
  readonly keys: WorkloadKey[] = [];
  private active: WorkloadKey[] = [];
  private creating = 0;
  private plaintexts = 0;

  constructor(
    private readonly recorder: HistoryRecorder,
    private readonly clients: NodeClients,
    private readonly seed: number,
    private readonly opts: WorkloadOptions,
  ) {}

  /** Runs every worker until `until` (a Date.now() value); ops in flight then are allowed to finish. */
  async run(until: number): Promise<void> {
    await Promise.all(Array.from({ length: this.opts.workers }, (_, i) => this.worker(i, until)));
  }

  /** One op, recorded. Public for the final phase, which drives ops itself. */
  async op(worker: ClientWorker, f: KmsOperation, key: WorkloadKey | undefined, node: string, extra: {} | { plaintext: string } | { ciphertext: string } = {}): Promise<Op> {
    const input: OpInput = { node, ...extra };
    const op = await worker.run(f, input, key?.id, () => callKms(this.clients.client(node), f, key?.id, input, this.opts.requestTimeoutMs));
    this.learn(op, key);
    return op;
  }

  /** A fresh, never used plaintext (unique across the run, so a Decrypt names its Encrypt). */
  plaintext(worker: number): string {
    return Buffer.from(`seed ${this.seed} w${worker} #${this.plaintexts++}`).toString('base64');
  }

  private async worker(i: number, until: number): Promise<void> {
    const rng = new SeededRandom((this.seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    const w = this.recorder.worker();
    while (Date.now() < until) {
      const node = rng.pick(this.clients.ids);
      this.active = this.active.filter((k) => k.ops < this.opts.opsPerKey);
      let op: Op;
      const r = rng.next();
      if (this.active.length + this.creating < this.opts.activeKeys || (r < 0.01 && this.creating === 0)) {
        op = await this.create(w, node);
      } else if (this.active.length === 0) {
        await sleep(20); // another worker is creating the first keys
        continue;
      } else {
        const key = rng.pick(this.active);
        key.ops++;
        const known = key.encrypted;
        if (r < 0.22) op = await this.op(w, 'DescribeKey', key, node);
        else if (r < 0.34) op = await this.op(w, 'DisableKey', key, node);
        else if (r < 0.48) op = await this.op(w, 'EnableKey', key, node);
        else if (r < 0.7 && known.length > 0) op = await this.op(w, 'Decrypt', key, node, { ciphertext: rng.pick(known.slice(-20)).ciphertext });
        else op = await this.op(w, 'Encrypt', key, node, { plaintext: this.plaintext(i) });
      }
      // After trouble, back off a little: a leaderless Region answers at once, and a flood of info
      // writes would make the per-key search expensive without testing anything more.
      await sleep(op.outcome === 'ok' ? rng.int(5) : 100 + rng.int(100));
    }
  }

  private async create(w: ClientWorker, node: string): Promise<Op> {
    this.creating++;
    try {
      return await this.op(w, 'CreateKey', undefined, node);
    } finally {
      this.creating--;
    }
  }

  private learn(op: Op, key: WorkloadKey | undefined): void {
    if (op.outcome !== 'ok') return;
    const out = op.output as KmsOutput;
    if (op.f === 'CreateKey' && 'keyId' in out) {
      const k: WorkloadKey = { id: out.keyId, ops: 0, encrypted: [] };
      this.keys.push(k);
      this.active.push(k);
      // Over the target: the oldest key retires (it is still checked at the end).
      if (this.active.length > this.opts.activeKeys) this.active.shift();
    } else if (op.f === 'Encrypt' && key && 'ciphertext' in out) {
      key.encrypted.push({ ciphertext: out.ciphertext, plaintext: (op.input as { plaintext: string }).plaintext });
    }
  }
}
