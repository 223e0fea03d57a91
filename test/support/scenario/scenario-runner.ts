import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  type KeyMetadata,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  UpdatePrimaryRegionCommand,
} from '@aws-sdk/client-kms';
import { parseCiphertextHeader } from '@trent/crypto';
import { randomBytes } from 'node:crypto';
import { TrentWorld } from '../trent-world';
import { type Action, type KeyState, parseScenario, type Step } from './scenario-parser';

// The account of the dev identity (cluster/identities.json) TrentWorld's clients sign as.
const ACCOUNT = '000000000000';
const POLL_MS = 150;

/** What the scenario expects of one key in one Region (its independent properties). */
interface RegionCopy {
  description: string;
  state: KeyState;
}

interface KeyModel {
  name: string;
  id: string;
  multiRegion: boolean;
  primary: string;
  at: Map<string, RegionCopy>;
  /** Highest epoch a forced promotion answered with. */
  epoch: number;
}

interface CipherModel {
  name: string;
  key: string;
  blob: Uint8Array;
  plaintext: Buffer;
  context?: Record<string, string>;
}

/** An error thrown by an action, with AWS's code (the SDK's `name`, or the failover route's `code`). */
class ActionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export class ScenarioFailure extends Error {}

export interface ScenarioResult {
  steps: number;
  ms: number;
  decryptions: number;
  transcript: string[];
}

/**
 * Runs a parsed scenario over a real TrentWorld. It keeps a model of what should be true: every
 * key, the Regions that should hold it with their independent properties, the expected primary, and
 * every ciphertext made with its plaintext, so `stabilize` and `decrypt-all` can check the whole
 * world against it. The world is stopped at the end, pass or fail.
 */
export class ScenarioRunner {
  private world?: TrentWorld;
  private readonly keys = new Map<string, KeyModel>();
  private readonly ciphers = new Map<string, CipherModel>();
  /** Regions whose processes are killed or frozen: nothing is asked of them. */
  private readonly down = new Set<string>();
  /** Regions cut from NATS (their API still answers). */
  private readonly partitioned = new Set<string>();
  private readonly transcript: string[] = [];
  private decryptions = 0;
  private readonly started = Date.now();

  static async run(text: string, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<ScenarioResult> {
    const steps = parseScenario(text);
    const runner = new ScenarioRunner();
    try {
      for (const step of steps) await runner.step(step, opts.env);
    } catch (e) {
      const log = runner.transcript.slice(-40).join('\n');
      throw new ScenarioFailure(`${(e as Error).message}\n--- transcript (last 40 lines) ---\n${log}`);
    } finally {
      await runner.world?.stop();
    }
    return { steps: steps.length, ms: Date.now() - runner.started, decryptions: runner.decryptions, transcript: runner.transcript };
  }

  private async step(step: Step, env?: NodeJS.ProcessEnv): Promise<void> {
    const t0 = Date.now();
    try {
      const note = await this.execute(step, env);
      this.log(`line ${step.line} ok (${Date.now() - t0} ms): ${step.text}${note ? `  → ${note}` : ''}`);
    } catch (e) {
      const err = e as Error;
      this.log(`line ${step.line} FAILED (${Date.now() - t0} ms): ${step.text}`);
      throw new Error(`line ${step.line} \`${step.text}\`: ${err instanceof ActionError ? `unexpected ${err.message}` : err.message}`);
    }
  }

  private log(line: string): void {
    this.transcript.push(`[${((Date.now() - this.started) / 1000).toFixed(1)}s] ${line}`);
    if (process.env.TRENT_SCENARIO_TRACE === '1') process.stdout.write(`${this.transcript[this.transcript.length - 1]}\n`);
  }

  private get w(): TrentWorld {
    return this.world!;
  }

  private async execute(step: Step, env?: NodeJS.ProcessEnv): Promise<string | void> {
    switch (step.op) {
      case 'up':
        this.world = await TrentWorld.start({ regions: step.regions, nodes: step.nodes, env });
        return `gateway ${this.world.endpoint}`;
      case 'kill-region':
        this.need(step.region);
        await this.w.killRegion(step.region, 'SIGKILL');
        this.down.add(step.region);
        return;
      case 'pause-region':
        this.need(step.region);
        await this.w.killRegion(step.region, 'SIGSTOP');
        this.down.add(step.region);
        return;
      case 'resume-region':
        await this.w.killRegion(step.region, 'SIGCONT');
        this.down.delete(step.region);
        return;
      case 'start-region': {
        const answer = await this.w.startRegion(step.region);
        this.down.delete(step.region);
        return `leader node-${answer.leader} after ${answer.ms} ms`;
      }
      case 'partition':
        this.w.partition(step.region);
        this.partitioned.add(step.region);
        return;
      case 'heal':
        this.w.heal(step.region);
        this.partitioned.delete(step.region);
        return;
      case 'kill-leader':
      case 'kill-follower':
        return this.killNode(step.region, step.op === 'kill-leader');
      case 'advance-clock':
        this.need(step.region);
        await this.w.advanceClock(step.region, step.seconds);
        return;
      case 'stabilize':
        return this.stabilize(step.timeoutMs);
      case 'expect-primary':
        return this.expectPrimary(step.key, step.primary, step.in);
      case 'expect-state':
      case 'await-state':
        return this.expectState(step.key, step.region, step.state, step.timeoutMs);
      case 'expect-deleted':
        return this.expectDeleted(step.key, step.region, step.timeoutMs);
      case 'expect-version': {
        const header = parseCiphertextHeader(this.cipher(step.cipher).blob);
        if (header?.version !== step.version) throw new Error(`${step.cipher} was made with backing-key version ${header?.version}, expected ${step.version}`);
        return;
      }
      case 'decrypt-all':
        return this.decryptAll();
      case 'expect-error': {
        const got = await this.act(step.action).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (!(got instanceof ActionError)) throw (got as Error | undefined) ?? new Error(`expected ${step.code}, but it succeeded`);
        if (got.code !== step.code) throw new Error(`expected ${step.code}, got ${got.message}`);
        if (step.message !== undefined && !got.message.includes(step.message)) throw new Error(`expected a message containing "${step.message}", got ${got.message}`);
        return got.message;
      }
      default:
        return this.act(step);
    }
  }

  // ---- actions (through the AWS API, or the failover route) ----

  private async act(a: Action): Promise<string | void> {
    switch (a.op) {
      case 'create-mrk':
      case 'create-key': {
        if (this.keys.has(a.key)) throw new Error(`the scenario already has a key named ${a.key}`);
        const out = await this.call(a.region, new CreateKeyCommand({ MultiRegion: a.op === 'create-mrk', Description: a.description ?? '' }));
        const id = out.KeyMetadata!.KeyId!;
        if ((a.op === 'create-mrk') !== id.startsWith('mrk-')) throw new Error(`CreateKey answered the id ${id}`);
        this.keys.set(a.key, { name: a.key, id, multiRegion: a.op === 'create-mrk', primary: a.region, at: new Map([[a.region, { description: a.description ?? '', state: 'Enabled' }]]), epoch: 0 });
        return id;
      }
      case 'replicate': {
        const key = this.key(a.key);
        const from = a.from ?? key.primary;
        const out = await this.call(from, new ReplicateKeyCommand({ KeyId: key.id, ReplicaRegion: a.to, Description: a.description }));
        const md = out.ReplicaKeyMetadata!;
        if (md.Arn !== arn(a.to, key.id)) throw new Error(`ReplicateKey answered the ARN ${md.Arn}`);
        if (md.KeyState !== 'Creating') throw new Error(`the new replica is ${md.KeyState}, expected Creating`);
        key.at.set(a.to, { description: a.description ?? '', state: 'Enabled' });
        return md.KeyState;
      }
      case 'encrypt':
      case 'generate-data-key': {
        const key = this.key(a.key);
        if (this.ciphers.has(a.as)) throw new Error(`the scenario already has a ciphertext named ${a.as}`);
        let blob: Uint8Array;
        let plaintext: Buffer;
        let keyArn: string | undefined;
        if (a.op === 'encrypt') {
          plaintext = Buffer.from(`${a.as}:${randomBytes(12).toString('hex')}`);
          const out = await this.call(a.region, new EncryptCommand({ KeyId: key.id, Plaintext: plaintext, EncryptionContext: a.context }));
          blob = out.CiphertextBlob!;
          keyArn = out.KeyId;
        } else {
          const out = await this.call(a.region, new GenerateDataKeyCommand({ KeyId: key.id, KeySpec: 'AES_256', EncryptionContext: a.context }));
          blob = out.CiphertextBlob!;
          plaintext = Buffer.from(out.Plaintext!);
          keyArn = out.KeyId;
        }
        if (keyArn !== arn(a.region, key.id)) throw new Error(`${a.op} answered KeyId ${keyArn}, expected ${arn(a.region, key.id)}`);
        this.ciphers.set(a.as, { name: a.as, key: a.key, blob, plaintext, context: a.context });
        return `backing-key version ${parseCiphertextHeader(blob)?.version}`;
      }
      case 'decrypt':
        await this.decrypt(this.cipher(a.cipher), a.region);
        return;
      case 'update-primary': {
        const key = this.key(a.key);
        await this.call(a.from ?? key.primary, new UpdatePrimaryRegionCommand({ KeyId: key.id, PrimaryRegion: a.to }));
        if (!a.refused) key.primary = a.to;
        return;
      }
      case 'failover': {
        const key = this.key(a.key);
        const { status, body } = await this.w.forcePromote(key.id, a.to);
        if (status !== 200) throw new ActionError(body?.code ?? `HTTP${status}`, body?.message ?? JSON.stringify(body));
        // Epoch ordering: every promotion is at a higher epoch than any before it.
        if (!(body.epoch > key.epoch)) throw new Error(`promoted at epoch ${body.epoch}, not above the last one seen (${key.epoch})`);
        key.epoch = body.epoch;
        key.primary = a.to;
        return `epoch ${body.epoch}, previous primary ${body.previousPrimaryRegion}`;
      }
      case 'rotate': {
        const out = await this.call(a.region, new RotateKeyOnDemandCommand({ KeyId: this.key(a.key).id }));
        return out.KeyId;
      }
      case 'enable-rotation':
        await this.call(a.region, new EnableKeyRotationCommand({ KeyId: this.key(a.key).id }));
        return;
      case 'disable':
      case 'enable': {
        const key = this.key(a.key);
        await this.call(a.region, a.op === 'disable' ? new DisableKeyCommand({ KeyId: key.id }) : new EnableKeyCommand({ KeyId: key.id }));
        this.copy(key, a.region).state = a.op === 'disable' ? 'Disabled' : 'Enabled';
        return;
      }
      case 'schedule-deletion': {
        const key = this.key(a.key);
        const out = await this.call(a.region, new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays: a.days }));
        this.copy(key, a.region).state = out.KeyState as KeyState;
        return `${out.KeyState}${out.DeletionDate ? ` until ${out.DeletionDate.toISOString()}` : ''}`;
      }
      case 'cancel-deletion': {
        const key = this.key(a.key);
        await this.call(a.region, new CancelKeyDeletionCommand({ KeyId: key.id }));
        this.copy(key, a.region).state = 'Disabled';
        return;
      }
      case 'describe': {
        const key = this.key(a.key);
        const md = await this.describe(a.region, a.arnOf ? arn(a.arnOf, key.id) : key.id);
        return md.KeyState;
      }
    }
  }

  // ---- checks ----

  /**
   * Waits until every running Region's leader owes nothing to any other running Region, and
   * DescribeKey agrees with the model in every running Region that should hold each key.
   */
  private async stabilize(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let rounds = 0;
    for (;;) {
      rounds++;
      const problem = await this.firstDisagreement();
      if (!problem) return `agreed after ${rounds} round${rounds > 1 ? 's' : ''}`;
      if (Date.now() > deadline) throw new Error(`not stable after ${timeoutMs} ms: ${problem}`);
      await sleep(POLL_MS * 2);
    }
  }

  private async firstDisagreement(): Promise<string | undefined> {
    const reachable = (r: string) => !this.down.has(r) && !this.partitioned.has(r);
    for (const region of this.w.regions.filter(reachable)) {
      const leader = (await this.w.statuses(region)).find((s) => s.replication?.sending);
      if (!leader) return `${region} has no sending leader yet`;
      const owed = Object.entries((leader.replication.backlogByRegion ?? {}) as Record<string, number>).filter(([to, n]) => n > 0 && reachable(to));
      if (owed.length > 0) return `${region} still owes ${owed.map(([to, n]) => `${n} to ${to}`).join(', ')}`;
    }
    for (const key of this.keys.values()) {
      if (!key.multiRegion) continue;
      const regions = [...key.at.keys()].filter(reachable);
      const views: string[] = [];
      for (const region of regions) {
        const md = await this.describe(region, key.id).catch((e: Error) => e);
        if (md instanceof Error) return `${key.name} in ${region}: ${md.message}`;
        const problem = this.mismatch(key, region, md);
        if (problem) return problem;
        views.push(JSON.stringify([md.MultiRegionConfiguration?.PrimaryKey?.Region, md.CurrentKeyMaterialId, replicaRegions(md)]));
      }
      if (new Set(views).size > 1) return `${key.name}: the Regions disagree: ${regions.map((r, i) => `${r}=${views[i]}`).join(' ')}`;
    }
    return undefined;
  }

  /** How DescribeKey in `region` differs from the model (primary, replicas, independent properties). */
  private mismatch(key: KeyModel, region: string, md: KeyMetadata): string | undefined {
    const copy = key.at.get(region)!;
    const where = `${key.name} in ${region}`;
    if (md.Arn !== arn(region, key.id)) return `${where}: Arn ${md.Arn}`;
    if (md.KeyState !== copy.state) return `${where}: ${md.KeyState}, expected ${copy.state}`;
    if (md.Description !== copy.description) return `${where}: description "${md.Description}", expected "${copy.description}"`;
    if (md.MultiRegion !== key.multiRegion) return `${where}: MultiRegion ${md.MultiRegion}`;
    if (!key.multiRegion) return undefined;
    const cfg = md.MultiRegionConfiguration;
    if (cfg?.PrimaryKey?.Region !== key.primary) return `${where}: primary ${cfg?.PrimaryKey?.Region}, expected ${key.primary}`;
    if (cfg?.MultiRegionKeyType !== (region === key.primary ? 'PRIMARY' : 'REPLICA')) return `${where}: ${cfg?.MultiRegionKeyType}`;
    const expected = [...key.at.keys()].filter((r) => r !== key.primary).sort();
    if (JSON.stringify(replicaRegions(md)) !== JSON.stringify(expected)) return `${where}: replicas ${replicaRegions(md).join(',')}, expected ${expected.join(',')}`;
    return undefined;
  }

  private async expectPrimary(name: string, primary: string, only?: string): Promise<string> {
    const key = this.key(name);
    if (key.primary !== primary) throw new Error(`the scenario itself made ${key.primary} the primary of ${name}`);
    const regions = only ? [only] : [...key.at.keys()].filter((r) => !this.down.has(r));
    for (const region of regions) {
      const cfg = (await this.describe(region, key.id)).MultiRegionConfiguration;
      if (cfg?.PrimaryKey?.Region !== primary || cfg.PrimaryKey.Arn !== arn(primary, key.id)) throw new Error(`${region} names ${cfg?.PrimaryKey?.Arn} the primary`);
      if (cfg.MultiRegionKeyType !== (region === primary ? 'PRIMARY' : 'REPLICA')) throw new Error(`${name} in ${region} is ${cfg.MultiRegionKeyType}`);
    }
    return `checked in ${regions.join(', ')}`;
  }

  private async expectState(name: string, region: string, state: KeyState, timeoutMs: number): Promise<string> {
    const key = this.key(name);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const md = await this.describe(region, key.id).catch((e: Error) => e);
      if (!(md instanceof Error) && md.KeyState === state) break;
      if (Date.now() >= deadline) throw new Error(`${name} in ${region} is ${md instanceof Error ? md.message : md.KeyState}, expected ${state}`);
      await sleep(POLL_MS);
    }
    // What the scenario asserts, the model follows (e.g. PendingReplicaDeletion → PendingDeletion).
    // Updating and Creating pass by themselves; the model keeps the state they return to.
    if (key.at.has(region) && state !== 'Updating' && state !== 'Creating') this.copy(key, region).state = state;
    return timeoutMs > 0 ? `after ${timeoutMs - Math.max(0, deadline - Date.now())} ms` : '';
  }

  private async expectDeleted(name: string, region: string, timeoutMs: number): Promise<string> {
    const key = this.key(name);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = await this.describe(region, key.id).then(
        (md) => md.KeyState,
        (e: unknown) => e,
      );
      if (got instanceof ActionError && got.code === 'NotFoundException') break;
      if (Date.now() >= deadline) throw new Error(`${name} in ${region} is still there: ${got instanceof Error ? got.message : got}`);
      await sleep(POLL_MS);
    }
    key.at.delete(region);
    return `gone; ${name} is left in ${[...key.at.keys()].join(', ') || 'no Region'}`;
  }

  /**
   * Nothing lost: every key is in every running Region it should be, with its independent
   * properties and nowhere else; and every ciphertext decrypts in every running Region holding its
   * key in a usable state, answering with that Region's ARN.
   */
  private async decryptAll(): Promise<string> {
    const up = this.w.regions.filter((r) => !this.down.has(r));
    for (const key of this.keys.values()) {
      for (const region of up) {
        if (key.at.has(region)) {
          const problem = this.mismatch(key, region, await this.describe(region, key.id));
          if (problem) throw new Error(problem);
        } else {
          const got = await this.describe(region, key.id).then(
            (md) => new Error(`${key.name} is in ${region} (${md.KeyState}), which should not hold it`),
            (e: unknown) => e,
          );
          if (!(got instanceof ActionError && got.code === 'NotFoundException')) throw got;
        }
      }
    }
    let n = 0;
    for (const cipher of this.ciphers.values()) {
      const key = this.key(cipher.key);
      for (const [region, copy] of key.at) {
        if (this.down.has(region) || (copy.state !== 'Enabled' && copy.state !== 'Updating')) continue;
        await this.decrypt(cipher, region);
        n++;
      }
    }
    return `${this.keys.size} keys in place, ${n} decryptions of ${this.ciphers.size} ciphertexts`;
  }

  private async decrypt(cipher: CipherModel, region: string): Promise<void> {
    const key = this.key(cipher.key);
    const out = await this.call(region, new DecryptCommand({ CiphertextBlob: cipher.blob, EncryptionContext: cipher.context }));
    this.decryptions++;
    if (!Buffer.from(out.Plaintext!).equals(cipher.plaintext)) throw new Error(`${cipher.name} decrypted in ${region} to something else`);
    if (out.KeyId !== arn(region, key.id)) throw new Error(`Decrypt of ${cipher.name} in ${region} answered KeyId ${out.KeyId}`);
  }

  // ---- helpers ----

  private async killNode(region: string, leader: boolean): Promise<string> {
    this.need(region);
    const deadline = Date.now() + 15_000;
    let leaderId: string | undefined;
    while (!(leaderId = await this.w.leaderId(region))) {
      if (Date.now() > deadline) throw new Error(`${region} has no agreed leader`);
      await sleep(POLL_MS);
    }
    const running = new Set((await this.w.statuses(region)).map((s) => String(s.nodeId)));
    const victim = leader ? leaderId : this.w.nodeIds(region).find((id) => id !== leaderId && running.has(id));
    if (!victim) throw new Error(`${region} has no running follower`);
    await this.w.signalNode(region, victim, 'SIGKILL');
    return `killed node-${victim} (leader was node-${leaderId})`;
  }

  private async describe(region: string, keyId: string): Promise<KeyMetadata> {
    return (await this.call(region, new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!;
  }

  /** One AWS call; an AWS error becomes an ActionError carrying its code. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async call(region: string, command: object): Promise<any> {
    this.need(region);
    try {
      return await this.w.kms(region).send(command as never);
    } catch (e) {
      const err = e as Error & { $metadata?: { httpStatusCode?: number } };
      if (err.$metadata?.httpStatusCode !== undefined && err.$metadata.httpStatusCode < 500) throw new ActionError(err.name, err.message);
      if (err.name && /Exception$/.test(err.name)) throw new ActionError(err.name, err.message);
      throw err;
    }
  }

  private need(region: string): void {
    if (!this.world) throw new Error('no world: `up` first');
    if (!this.w.regions.includes(region)) throw new Error(`${region} is not a Region of this scenario (${this.w.regions.join(', ')})`);
    if (this.down.has(region)) throw new Error(`${region} is down; the scenario cannot call it`);
  }

  private key(name: string): KeyModel {
    const key = this.keys.get(name);
    if (!key) throw new Error(`no key named ${name} (create it first)`);
    return key;
  }

  private copy(key: KeyModel, region: string): RegionCopy {
    const copy = key.at.get(region);
    if (!copy) throw new Error(`${key.name} should not be in ${region}`);
    return copy;
  }

  private cipher(name: string): CipherModel {
    const cipher = this.ciphers.get(name);
    if (!cipher) throw new Error(`no ciphertext named ${name}`);
    return cipher;
  }
}

const arn = (region: string, keyId: string): string => `arn:aws:kms:${region}:${ACCOUNT}:key/${keyId}`;
const replicaRegions = (md: KeyMetadata): string[] => (md.MultiRegionConfiguration?.ReplicaKeys ?? []).map((r) => r.Region!).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
