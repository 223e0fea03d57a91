import { DomainKey, generateWrappingKey, systemRandom, wrapKeyMaterial, WrappingKeyPool, WrappingKeySpec } from '@trent/crypto';
import { KmsError } from '@trent/protocol';
import { createPublicKey, KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { KeyMaterialService } from '../key-material.service';
import { Caller, ClusterClock, KmsContext } from '../kms-context';
import { KmsScheduler } from '../kms-scheduler';
import { LogStatus, ReplicatedLog } from '../log/replicated-log';
import { MrkReplicationHost } from '../mrk/mrk-host';
import { APPLIERS } from '../operations/appliers';
import { OPERATIONS } from '../operations/operations';
import { Command, CommandResult } from '../state/command';
import { KmsState } from '../state/kms-state';
import { KmsStateMachine } from '../state/kms-state-machine';

/** A log that applies each command at once: one Region of one node, for tests of the KMS alone. */
class ImmediateLog implements ReplicatedLog {
  constructor(
    private readonly machine: KmsStateMachine,
    private readonly afterApply: () => void,
  ) {}

  async propose(cmd: Command): Promise<CommandResult> {
    // A command travels as JSON through the real log; so it does here (no shared objects).
    const { result } = this.machine.apply(this.machine.state.appliedIndex + 1, JSON.parse(JSON.stringify(cmd)) as Command);
    this.afterApply();
    return result;
  }

  async readBarrier(): Promise<void> {}
  isLeader(): boolean {
    return true;
  }
  status(): LogStatus {
    const i = this.machine.state.appliedIndex;
    return { role: 'leader', term: 1, leader: '1', commitIndex: i, appliedIndex: i, quorumReads: false };
  }
  async close(): Promise<void> {}
}

/**
 * One RSA wrapping key per spec for every LocalRegion of the process: generating one per
 * GetParametersForImport would dominate seeded runs that import thousands of times. (Each token
 * still seals its own copy; reusing the wrapping key weakens nothing a test relies on.)
 */
const wrappingKeys = new Map<WrappingKeySpec, Promise<KeyObject>>();
const reusedWrappingKeys = (): WrappingKeyPool =>
  new WrappingKeyPool({
    specs: [],
    generate: (s) => {
      if (!wrappingKeys.has(s)) wrappingKeys.set(s, generateWrappingKey(s));
      return wrappingKeys.get(s)!;
    },
  });

export const TEST_CALLER: Caller = { accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:root', accessKeyId: 'AKIDTEST' };

/**
 * A Region's KMS in memory, driven through the real operations and appliers: for tests of
 * multi-Region behaviour without processes, NATS or Raft. `wall` is the Region's wall clock.
 */
export class LocalRegion {
  readonly state = new KmsState();
  readonly ctx: KmsContext;
  readonly host: MrkReplicationHost;
  private readonly scheduler: KmsScheduler;

  constructor(
    readonly name: string,
    regions: readonly string[],
    wall: () => number = Date.now,
  ) {
    const machine = new KmsStateMachine(this.state, { region: name }, APPLIERS);
    const log = new ImmediateLog(machine, () => this.host?.changed());
    this.ctx = {
      region: name,
      state: this.state,
      log,
      materials: new KeyMaterialService(DomainKey.fromBytes(randomBytes(32)), systemRandom, reusedWrappingKeys),
      clock: new ClusterClock(this.state, wall),
      random: systemRandom,
      replicationRegions: regions,
      // Messages move only when a test delivers them: nothing would answer the probe.
      mrkProbeWaitMs: 0,
    };
    this.host = new MrkReplicationHost(this.ctx);
    this.scheduler = new KmsScheduler(this.ctx, (e) => {
      throw e;
    });
  }

  /** Runs one AWS action as TEST_CALLER; AWS errors are thrown as KmsError. */
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, any>> {
    return OPERATIONS.get(operation)!.handle(this.ctx, { caller: TEST_CALLER, requestId: randomUUID() }, input);
  }

  /** Proposes what time made due (deletions, rotations). */
  runDueWork(): number {
    return this.scheduler.tick();
  }
}

/**
 * Carries what each Region owes the others, the way the replicator does but in-process and
 * through JSON: rounds of send → commit → answer, until nothing changes. Regions in `down` neither
 * send nor receive. Returns how many messages were delivered.
 */
export async function deliverAll(regions: Map<string, LocalRegion>, down: ReadonlySet<string> = new Set(), maxRounds = 20): Promise<number> {
  let delivered = 0;
  for (let round = 0; round < maxRounds; round++) {
    let progress = false;
    for (const source of regions.values()) {
      if (down.has(source.name)) continue;
      for (const item of source.host.pending()) {
        const dest = regions.get(item.to);
        if (!dest || down.has(item.to)) continue;
        const before = fingerprint(source) + fingerprint(dest);
        if (item.kind === 'sync') {
          const out = source.host.buildSync(item);
          if (!out) continue;
          const wire = JSON.parse(JSON.stringify(out.payload));
          const material = out.material.map((m) => ({ version: m.version, plaintext: Buffer.from(m.plaintext) }));
          const ack = await dest.host.receiveSync(source.name, wire, material);
          if (process.env.MRK_TRACE) console.log('deliverAll', source.name, '->', dest.name, JSON.stringify({ epoch: wire.epoch, claimBy: wire.claimBy, v: wire.version, replicas: wire.replicas }), JSON.stringify(ack));
          await source.host.receiveAck(dest.name, JSON.parse(JSON.stringify(ack)));
        } else {
          const { kind: _k, to: _t, ...gone } = item;
          const reply = await dest.host.receiveGone(source.name, gone);
          await source.host.receiveGoneReply(dest.name, reply);
        }
        delivered++;
        if (fingerprint(source) + fingerprint(dest) !== before) progress = true;
      }
    }
    if (!progress) break;
  }
  return delivered;
}

const fingerprint = (r: LocalRegion): string => String(r.state.appliedIndex);

/** The AWS error a call rejects with (fails the test when it resolves or throws something else). */
export async function kmsError(p: Promise<unknown>): Promise<KmsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof KmsError)) throw new Error(`expected a KmsError, got ${err === undefined ? 'success' : String(err)}`);
  return err;
}

/**
 * The AWS guide's import steps against `region`: GetParametersForImport, the material wrapped as a
 * client wraps it, ImportKeyMaterial (material that does not expire unless `extra` says otherwise).
 */
export async function importMaterial(region: LocalRegion, keyId: string, material: Buffer, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const params = await region.call('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
  const wrapped = wrapKeyMaterial(createPublicKey({ key: params.PublicKey, format: 'der', type: 'spki' }), 'RSAES_OAEP_SHA_256', material);
  return region.call('ImportKeyMaterial', { KeyId: keyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', ...extra });
}
