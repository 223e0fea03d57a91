/**
 * The multi-Region section of `npm run bench`: a whole Trent as `trent up` runs it (3 Regions × 3
 * nodes, a nats-server per Region joined by gateways) through test/support/trent-world.
 *
 * - ReplicateKey → the replica Enabled in its Region, for every key and both other Regions.
 * - RotateKeyOnDemand at the primary → the new material current in every replica.
 * - The primary's whole Region killed → forced promotion in another → the first write only a
 *   primary may do, there.
 *
 * Beside them, interleaved key by key so a noisy neighbour slows both alike: a local write (CreateKey
 * at the primary Region's leader) and the raw NATS request/reply between two Regions' servers, and
 * the DescribeKey round trip the polls themselves take.
 */
import { CreateKeyCommand, DescribeKeyCommand, EnableKeyRotationCommand, KeyMetadata, KMSClient, ListKeyRotationsCommand, ReplicateKeyCommand, RotateKeyOnDemandCommand } from '@aws-sdk/client-kms';
import { DEV_CREDENTIALS, TrentWorld } from '../support/trent-world';
import type { MultiRegionOptions } from './bench-options';
import { firstWrite } from './failover';
import { MultiRegionReport, Samples } from './multi-region-report';
import { NatsRoundTrip } from './nats-round-trip';
import type { RaftHooks } from './raft-bench';

const REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2'] as const;
const PRIMARY = REGIONS[0];
const REPLICAS = [REGIONS[1], REGIONS[2]] as const;
/** The Region whose replica is promoted when the primary's Region is killed. */
const SUCCESSOR = REGIONS[1];
const NODES = 3;
/** A DescribeKey poll starts this often, whether or not earlier ones have answered… */
const POLL_MS = 5;
/** …unless this many are still out. */
const MAX_POLLS_IN_FLIGHT = 4;
/** Roughly a sync envelope: a key's shared state, its sealed material and the signature. */
const NATS_PAYLOAD_BYTES = 1024;
/** NATS round trips per key and destination Region, between the measured operations. */
const NATS_SAMPLES_PER_KEY = 2;
/** A change not visible within this is a failed sample. */
const VISIBLE_WITHIN_MS = 15_000;
/** After each key the primary's replication backlog must be empty within this (so samples do not overlap). */
const DRAIN_WITHIN_MS = 15_000;
const DESCRIPTION = 'multi-region bench';

/** Seconds the section may take at most, for the bench's deadline. */
export function multiRegionBudgetS(o: MultiRegionOptions): number {
  // Start-up (about 15 s on 2 cores), ~1 s per key and section, ~20 s per kill round (restart included).
  return o.run ? 90 + 3 * o.keys + 40 * o.kills : 0;
}

export async function runMultiRegion(o: MultiRegionOptions, hooks: RaftHooks): Promise<MultiRegionReport> {
  hooks.progress(`multi-region: starting ${REGIONS.length} Regions × ${NODES} nodes (nats-servers, nodes, gateway)…`);
  const started = performance.now();
  const world = await TrentWorld.start({ regions: REGIONS, nodes: NODES });
  hooks.ownDir(world.dataDir);
  hooks.progress(`multi-region: up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const k = new Kms(world);
  // Requests from the primary's Region's server to the others', the way the replicator's go.
  const startNats = (): Promise<NatsRoundTrip[]> => Promise.all(REPLICAS.map((to) => NatsRoundTrip.start(natsUrl(world, PRIMARY), natsUrl(world, to), NATS_PAYLOAD_BYTES)));
  let nats = await startNats();

  const rows = {
    enabled: new Samples('ReplicateKey → replica Enabled', 'case'),
    replicateCall: new Samples('ReplicateKey answered at the primary', 'step'),
    creating: new Samples('replica visible in its Region (Creating)', 'step'),
    rotated: new Samples('RotateKeyOnDemand → new material current in every replica', 'case'),
    rotateCall: new Samples('RotateKeyOnDemand answered at the primary', 'step'),
    primaryActive: new Samples('new material current at the primary', 'step'),
    promoted: new Samples(`Region kill → forced promotion in ${SUCCESSOR} answered`, 'case'),
    killed: new Samples('kill answered (every process of the Region reaped)', 'step'),
    firstWrite: new Samples(`Region kill → first write on the new primary (EnableKeyRotation in ${SUCCESSOR})`, 'case'),
    otherReplica: new Samples(`Region kill → ${REPLICAS[1]} names ${SUCCESSOR} as primary`, 'step'),
    demoted: new Samples(`${PRIMARY} restarted → its old primary is a replica naming ${SUCCESSOR} (from the restart's answer)`, 'step'),
    write: new Samples(`local write: CreateKey (MultiRegion) at ${PRIMARY}'s leader`, 'baseline'),
    natsRtt: new Samples(`NATS request/reply ${PRIMARY} → ${REPLICAS.join(' / ')} (${NATS_PAYLOAD_BYTES} B each way, across the gateway)`, 'baseline'),
    poll: new Samples('DescribeKey at a Region\'s leader (each poll, taken during the cases)', 'baseline'),
  };
  k.pollRow = rows.poll;

  /** The baselines between two measured operations. */
  const baseline = async (): Promise<string> => {
    for (let i = 0; i < NATS_SAMPLES_PER_KEY; i++) for (const n of nats) await n.sample().then((ms) => rows.natsRtt.add(ms), (e: Error) => rows.natsRtt.fail(e.message));
    const from = performance.now();
    const { KeyMetadata } = await k.probe(PRIMARY).send(new CreateKeyCommand({ MultiRegion: true, Description: DESCRIPTION }));
    rows.write.add(performance.now() - from);
    return KeyMetadata!.KeyId!;
  };

  try {
    // ---- 1. ReplicateKey → Enabled, both destinations at once ----
    hooks.progress(`multi-region: ReplicateKey → Enabled, ${o.keys} keys × ${REPLICAS.length} Regions…`);
    await k.findLeaders();
    const keyIds: string[] = [];
    for (let i = 0; i < o.keys; i++) {
      const keyId = await baseline();
      keyIds.push(keyId);
      await Promise.all(
        REPLICAS.map(async (region) => {
          const from = performance.now();
          const stop = new AbortController();
          const call = k
            .probe(PRIMARY)
            .send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: region }))
            .then(
              () => void rows.replicateCall.add(performance.now() - from),
              (e: Error) => {
                rows.replicateCall.fail(`${keyId} → ${region}: ${e.name}: ${e.message}`);
                stop.abort();
              },
            );
          let seen = false;
          const enabled = await k.poll(region, keyId, from, stop.signal, (m, ms) => {
            if (m && !seen) rows.creating.add(ms);
            seen ||= m !== undefined;
            return m?.KeyState === 'Enabled';
          });
          await call;
          if (typeof enabled === 'number') rows.enabled.add(enabled);
          else rows.enabled.fail(`${keyId} in ${region}: ${enabled.problem}`);
        }),
      );
      await k.drained(PRIMARY);
      if ((i + 1) % 10 === 0) hooks.progress(`multi-region: ${i + 1}/${o.keys} keys replicated; Enabled p50 so far ${rows.enabled.row().p50Ms.toFixed(1)} ms`);
    }

    // ---- 2. RotateKeyOnDemand → current in every replica ----
    hooks.progress(`multi-region: RotateKeyOnDemand → current in every replica, ${keyIds.length} keys…`);
    for (const [i, keyId] of keyIds.entries()) {
      await baseline();
      const from = performance.now();
      try {
        await k.probe(PRIMARY).send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
        rows.rotateCall.add(performance.now() - from);
      } catch (e) {
        rows.rotateCall.fail(`${keyId}: ${(e as Error).name}: ${(e as Error).message}`);
        rows.rotated.fail(`${keyId}: RotateKeyOnDemand failed`);
        continue;
      }
      // The new material is listed at once (NON_CURRENT) and becomes CURRENT once every replica holds it.
      const { Rotations } = await k.setup(PRIMARY).send(new ListKeyRotationsCommand({ KeyId: keyId }));
      const material = Rotations?.[Rotations.length - 1]?.KeyMaterialId;
      if (!material) {
        rows.rotated.fail(`${keyId}: ListKeyRotations lists no rotation`);
        continue;
      }
      const current = (m: KeyMetadata | undefined): boolean => m?.CurrentKeyMaterialId === material;
      const [atPrimary, ...atReplicas] = await Promise.all(REGIONS.map((region) => k.poll(region, keyId, from, undefined, current)));
      if (typeof atPrimary === 'number') rows.primaryActive.add(atPrimary);
      else rows.primaryActive.fail(`${keyId}: ${atPrimary!.problem}`);
      const missing = atReplicas.flatMap((r, j) => (typeof r === 'number' ? [] : [`${REPLICAS[j]}: ${r!.problem}`]));
      if (missing.length === 0) rows.rotated.add(Math.max(...(atReplicas as number[])));
      else rows.rotated.fail(`${keyId}: ${missing.join('; ')}`);
      await k.drained(PRIMARY);
      if ((i + 1) % 10 === 0) hooks.progress(`multi-region: ${i + 1}/${keyIds.length} keys rotated; every replica p50 so far ${rows.rotated.row().p50Ms.toFixed(1)} ms`);
    }

    // ---- 3. Region kill → forced promotion → first write on the new primary ----
    for (let round = 1; round <= o.kills; round++) {
      await baseline(); // one more local write sample, and the NATS baseline, before each kill
      const keyId = await k.replicatedKey();
      const writers = k.nodeUrls(SUCCESSOR).map((url) => k.client(url, SUCCESSOR, 1));
      let next = 0;
      const from = performance.now();
      const answer = await world.killRegion(PRIMARY);
      rows.killed.add(performance.now() - from);
      // Nothing of the killed Region answers now; its leader is found anew once it is back.
      k.forget(PRIMARY);
      const promotion = await world.forcePromote(keyId, SUCCESSOR);
      if (promotion.status === 200) rows.promoted.add(performance.now() - from);
      else rows.promoted.fail(`round ${round}: HTTP ${promotion.status} ${JSON.stringify(promotion.body).slice(0, 200)}`);
      const otherReplica = k.poll(REPLICAS[1], keyId, from, undefined, (m) => m?.MultiRegionConfiguration?.PrimaryKey?.Region === SUCCESSOR);
      const write = await firstWrite(
        async (signal) => {
          await writers[next++ % writers.length]!.send(new EnableKeyRotationCommand({ KeyId: keyId }), { abortSignal: signal });
          return true;
        },
        from,
        1_000,
        10,
        VISIBLE_WITHIN_MS,
      );
      if ('ms' in write) rows.firstWrite.add(write.ms);
      else rows.firstWrite.fail(`round ${round}: ${write.problem} (${write.attempts} attempts)`);
      const seen = await otherReplica;
      if (typeof seen === 'number') rows.otherReplica.add(seen);
      else rows.otherReplica.fail(`round ${round}: ${seen.problem}`);
      hooks.progress(
        `multi-region: kill ${round}/${o.kills} (${answer.processes.length} processes): promoted after ${fmtMs(rows.promoted.samplesMs.at(-1))}, ` +
          `first write after ${'ms' in write ? fmtMs(write.ms) : 'NONE'} (${write.attempts} attempts); restarting ${PRIMARY}…`,
      );
      for (const w of writers) w.destroy();
      await world.startRegion(PRIMARY);
      const back = performance.now();
      k.reset();
      await k.findLeaders();
      // The returning Region learns of the newer epoch from the new primary's next retry.
      const demoted = await k.poll(PRIMARY, keyId, back, undefined, (m) => m?.MultiRegionConfiguration?.MultiRegionKeyType === 'REPLICA' && m.MultiRegionConfiguration.PrimaryKey?.Region === SUCCESSOR);
      if (typeof demoted === 'number') rows.demoted.add(demoted);
      else rows.demoted.fail(`round ${round}: ${demoted.problem}`);
      // The requester's server was killed with its Region: connect afresh rather than time a reconnection.
      await Promise.all(nats.map((n) => n.close()));
      nats = await startNats();
    }

    // The rows in the order declared above: each case, then its steps; the baselines last.
    const table = Object.values(rows)
      .map((s) => s.row())
      .filter((r) => r.samplesMs.length + r.failures.length > 0);
    return {
      regions: [...REGIONS],
      nodesPerRegion: NODES,
      workersPerNode: 1,
      keys: o.keys,
      kills: o.kills,
      pollMs: POLL_MS,
      maxPollsInFlight: MAX_POLLS_IN_FLIGHT,
      natsSamplesPerKey: NATS_SAMPLES_PER_KEY,
      natsPayloadBytes: NATS_PAYLOAD_BYTES,
      rows: table,
      baselines: { write: rows.write.name, nats: rows.natsRtt.name },
      valid: table.every((r) => r.failures.length === 0),
    };
  } finally {
    await Promise.all(nats.map((n) => n.close()));
    k.reset();
    hooks.progress('multi-region: stopping every process…');
    await world.stop();
  }
}

type Polled = number | { problem: string };

/**
 * SDK clients straight to nodes (not through the gateway, which would add a hop and a process
 * shared by every Region), by the Region's Raft leader for the measured calls.
 */
class Kms {
  pollRow?: Samples;
  private readonly clients = new Map<string, KMSClient>();
  private readonly leaders = new Map<string, string>();

  constructor(private readonly world: TrentWorld) {}

  nodeUrls(region: string): string[] {
    return (this.world.launcher.current?.nodes ?? []).filter((n) => n.region === region && !n.removedAt).map((n) => n.url);
  }

  /** A client to `url`; `maxAttempts` 1 for anything timed, so a retry never hides inside a sample. */
  client(url: string, region: string, maxAttempts: number): KMSClient {
    return new KMSClient({ region, endpoint: url, credentials: DEV_CREDENTIALS, maxAttempts });
  }

  /** For timed calls: to the Region's leader, no retries. */
  probe(region: string): KMSClient {
    return this.cached(region, 1);
  }

  /** For set-up calls: to the Region's leader, with the SDK's retries. */
  setup(region: string): KMSClient {
    return this.cached(region, 3);
  }

  private cached(region: string, maxAttempts: number): KMSClient {
    const url = this.leaders.get(region);
    if (!url) throw new Error(`no known leader in ${region}`);
    const key = `${url} ${maxAttempts}`;
    let c = this.clients.get(key);
    if (!c) this.clients.set(key, (c = this.client(url, region, maxAttempts)));
    return c;
  }

  async findLeaders(): Promise<void> {
    await Promise.all(REGIONS.map(async (region) => this.leaders.set(region, await this.leaderUrl(region))));
  }

  forget(region: string): void {
    this.leaders.delete(region);
  }

  /** Drops every client (their keep-alive sockets may go to processes killed meanwhile). */
  reset(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }

  private async leaderUrl(region: string): Promise<string> {
    const deadline = Date.now() + VISIBLE_WITHIN_MS;
    for (;;) {
      const lead = (await this.world.statuses(region)).find((s) => s.role === 'leader');
      const url = lead && (this.world.launcher.current?.nodes ?? []).find((n) => n.region === region && n.nodeId === String(lead.nodeId))?.url;
      if (url) return url;
      if (Date.now() > deadline) throw new Error(`${region} has no leader`);
      await sleep(50);
    }
  }

  /**
   * DescribeKey at `region`'s leader every POLL_MS (overlapping, at most MAX_POLLS_IN_FLIGHT at
   * once, so the poll period does not stretch with the read's own latency) until `done` holds for
   * an answer (NotFound counts as `undefined`): that answer's time from `from`. `done` sees every
   * answer with its time, in the order they arrive.
   */
  poll(region: string, keyId: string, from: number, stop: AbortSignal | undefined, done: (m: KeyMetadata | undefined, ms: number) => boolean): Promise<Polled> {
    const client = this.probe(region);
    const deadline = from + VISIBLE_WITHIN_MS;
    return new Promise((resolve) => {
      let inFlight = 0;
      let last = 'no answer yet';
      let finished = false;
      const finish = (result: Polled): void => {
        if (finished) return;
        finished = true;
        clearInterval(ticker);
        resolve(result);
      };
      const send = (): void => {
        if (finished) return;
        if (stop?.aborted) return finish({ problem: 'abandoned: the operation failed' });
        if (performance.now() > deadline) return finish({ problem: `not within ${VISIBLE_WITHIN_MS} ms (last answer: ${last})` });
        if (inFlight >= MAX_POLLS_IN_FLIGHT) return;
        inFlight++;
        const sent = performance.now();
        client
          .send(new DescribeKeyCommand({ KeyId: keyId }))
          .then(
            ({ KeyMetadata: m }) => m,
            (e: Error) => {
              if (e.name === 'NotFoundException') return undefined;
              last = `${e.name}: ${e.message}`;
              throw e;
            },
          )
          .then(
            (m) => {
              const at = performance.now();
              if (finished) return;
              this.pollRow?.add(at - sent);
              if (done(m, at - from)) finish(at - from);
              else last = m ? `KeyState ${m.KeyState}, material ${m.CurrentKeyMaterialId}` : 'NotFoundException';
            },
            () => undefined,
          )
          .finally(() => inFlight--);
      };
      const ticker = setInterval(send, POLL_MS);
      send();
    });
  }

  /** Resolves once the Region's leader owes no other Region anything. */
  async drained(region: string): Promise<void> {
    const deadline = Date.now() + DRAIN_WITHIN_MS;
    while ((await this.world.backlog(region)) !== 0) {
      if (Date.now() > deadline) throw new Error(`${region}'s replication backlog did not drain within ${DRAIN_WITHIN_MS} ms`);
      await sleep(20);
    }
  }

  /** A fresh primary in PRIMARY, Enabled in every replica Region, nothing left to send. Not timed. */
  async replicatedKey(): Promise<string> {
    const { KeyMetadata } = await this.setup(PRIMARY).send(new CreateKeyCommand({ MultiRegion: true, Description: `${DESCRIPTION}: Region kill` }));
    const keyId = KeyMetadata!.KeyId!;
    for (const region of REPLICAS) await this.setup(PRIMARY).send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: region }));
    for (const region of REPLICAS) {
      const r = await this.poll(region, keyId, performance.now(), undefined, (m) => m?.KeyState === 'Enabled');
      if (typeof r !== 'number') throw new Error(`the replica of ${keyId} in ${region} was not Enabled: ${r.problem}`);
    }
    await this.drained(PRIMARY);
    return keyId;
  }
}

function natsUrl(world: TrentWorld, region: string): string {
  const url = world.launcher.current?.nats?.find((n) => n.region === region)?.url;
  if (!url) throw new Error(`no nats-server for ${region} in the cluster record`);
  return url;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fmtMs = (ms: number | undefined): string => (ms === undefined ? '–' : `${ms.toFixed(0)} ms`);
