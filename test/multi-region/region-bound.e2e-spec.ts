import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { ClassicLevel } from 'classic-level';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NatsSpy, type SpiedMessage } from '../support/nats-spy';
import { TrentWorld } from '../support/trent-world';

jest.setTimeout(120_000);

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const EU = 'eu-west-1';
const REGIONS = [EAST, WEST, EU];
const ACCOUNT = '000000000000';
const arn = (region: string, id: string) => `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every spelling of `text` worth looking for: as is, case-folded, hex, UTF-16, base64/base64url at each alignment. */
function spellings(text: string): Buffer[] {
  const utf8 = Buffer.from(text, 'utf8');
  const out = [utf8, Buffer.from(text.toUpperCase()), Buffer.from(utf8.toString('hex')), Buffer.from(text, 'utf16le'), ...base64Spellings(utf8)];
  // A UUID also as its 16 raw bytes and their encodings; 32 hex without dashes.
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)) {
    const hex = text.replace(/-/g, '');
    const raw = Buffer.from(hex, 'hex');
    out.push(Buffer.from(hex), Buffer.from(hex.toUpperCase()), raw, ...base64Spellings(raw));
  }
  return out;
}

/** `bytes` as it would appear inside a longer base64 or base64url text, whatever its offset there. */
function base64Spellings(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    // Characters wholly determined by `bytes`: skip the ones mixing in the padding, drop the tail.
    const skip = Math.ceil((shift * 4) / 3);
    const whole = Math.floor(padded.length / 3) * 4;
    for (const enc of ['base64', 'base64url'] as const) out.push(Buffer.from(padded.toString(enc).slice(skip, whole)));
  }
  return out.filter((b) => b.length >= 16);
}

/** The texts a message's JSON decodes to, and the bytes of every base64-looking string in them (what a spelling search inside JSON would miss). */
function decodedViews(data: Buffer): Buffer[] {
  const views: Buffer[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      views.push(Buffer.from(v, 'utf8'));
      if (v.length >= 16 && /^[A-Za-z0-9_=+/-]+$/.test(v)) views.push(Buffer.from(v, 'base64url'), Buffer.from(v, 'base64'));
      if (v.startsWith('{')) visit(tryJson(v));
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(tryJson(data.toString('utf8')));
  return views;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Every key and value of every LevelDB under `dir` (blocks are Snappy-compressed on disk, so a raw grep alone may miss). */
async function levelEntries(dir: string): Promise<Buffer[]> {
  const dbs = filesUnder(dir).filter((f) => f.endsWith('/CURRENT')).map((f) => f.slice(0, -'/CURRENT'.length));
  const out: Buffer[] = [];
  for (const location of dbs) {
    const db = new ClassicLevel<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false });
    await db.open();
    for await (const [k, v] of db.iterator()) out.push(k, v);
    await db.close();
  }
  return out;
}

const containsAny = (hay: Buffer, needles: Buffer[]): Buffer | undefined => needles.find((n) => hay.includes(n));

describe('what never leaves a Region (NATS and other Regions\' disks)', () => {
  let world: TrentWorld;
  let spy: NatsSpy;
  const kms = (region: string): KMSClient => world.kms(region);
  /** Single-Region key id → its Region. */
  const singles = new Map<string, string>();
  const mrks: string[] = [];
  /** Plaintexts given to Encrypt and data keys GenerateDataKey answered. */
  const secrets: Buffer[] = [];

  beforeAll(async () => {
    world = await TrentWorld.start({ regions: REGIONS, keepData: true });
    spy = await NatsSpy.attach(world.natsUrls());

    for (const region of REGIONS) {
      const single = (await kms(region).send(new CreateKeyCommand({ Description: `single in ${region}` }))).KeyMetadata!.KeyId!;
      singles.set(single, region);
      const mrk = (await kms(region).send(new CreateKeyCommand({ MultiRegion: true, Description: `mrk from ${region}` }))).KeyMetadata!.KeyId!;
      mrks.push(mrk);
      for (const to of REGIONS.filter((r) => r !== region)) {
        await kms(region).send(new ReplicateKeyCommand({ KeyId: mrk, ReplicaRegion: to, Description: `replica of ${mrk} in ${to}` }));
      }
    }
    await untilQuiet();
    for (const [single, region] of singles) {
      await kms(region).send(new EnableKeyRotationCommand({ KeyId: single }));
      await kms(region).send(new RotateKeyOnDemandCommand({ KeyId: single }));
      await kms(region).send(new TagResourceCommand({ KeyId: single, Tags: [{ TagKey: 'owner', TagValue: single }] }));
      await kms(region).send(new UpdateKeyDescriptionCommand({ KeyId: single, Description: `still ${single}` }));
    }
    for (const mrk of mrks) await kms(EAST).send(new DescribeKeyCommand({ KeyId: mrk }));
    await kms(EAST).send(new RotateKeyOnDemandCommand({ KeyId: mrks[0] })); // its primary is us-east-1
    for (const region of REGIONS) {
      for (const keyId of [...[...singles].filter(([, r]) => r === region).map(([id]) => id), ...mrks]) {
        const plaintext = Buffer.from(`secret-${keyId}-${region}-${Date.now()}-do-not-send`);
        const { CiphertextBlob } = await kms(region).send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }));
        await kms(region).send(new DecryptCommand({ CiphertextBlob }));
        const dataKey = await kms(region).send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
        secrets.push(plaintext, Buffer.from(dataKey.Plaintext!));
      }
    }
    // Deletion: a single-Region key, and one replica of an mrk (its primary is told over NATS).
    const [firstSingle, firstRegion] = [...singles][0];
    await kms(firstRegion).send(new ScheduleKeyDeletionCommand({ KeyId: firstSingle, PendingWindowInDays: 7 }));
    await kms(EU).send(new ScheduleKeyDeletionCommand({ KeyId: mrks[0], PendingWindowInDays: 7 }));
    for (const region of REGIONS) await world.advanceClock(region, 8 * 86_400);
    await untilQuiet();
    await sleep(300);
    await spy.close();
    await world.stop();
  });

  afterAll(async () => {
    await spy?.close().catch(() => undefined);
    await world?.stop().catch(() => undefined);
    if (world && process.env.TRENT_E2E_KEEP !== '1') rmSync(world.dataDir, { recursive: true, force: true });
  });

  /** Until every Region's leader owes nothing (bounded). */
  async function untilQuiet(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const backlogs = await Promise.all(REGIONS.map((r) => world.backlog(r)));
      if (backlogs.every((b) => b === 0)) return;
      if (Date.now() > deadline) throw new Error(`replication backlog did not drain: ${backlogs.join(', ')}`);
      await sleep(150);
    }
  }

  const repl = (): SpiedMessage[] => spy.messages.filter((m) => m.subject.startsWith('trent.repl.') || m.data.includes(Buffer.from('"msg"')));

  it('should have seen the replication traffic (the spy and the search work)', () => {
    expect(repl().length).toBeGreaterThan(10);
    // Canary: the multi-Region ids do travel, in plain text, so a search for an id finds one.
    for (const mrk of mrks) expect(spy.messages.some((m) => containsAny(m.data, spellings(mrk)))).toBe(true);
    // Canary for the decoded views: a replica's description travels inside the signed inner JSON.
    expect(spy.messages.some((m) => decodedViews(m.data).some((v) => v.includes(Buffer.from(`replica of ${mrks[1]} in`))))).toBe(true);
  });

  it('should send nothing that names a single-Region key, in any spelling', () => {
    const found: string[] = [];
    for (const [id, region] of singles) {
      const needles = [...spellings(id), ...spellings(arn(region, id)), ...REGIONS.flatMap((r) => spellings(arn(r, id)))];
      for (const m of spy.messages) {
        if (containsAny(m.data, needles) || decodedViews(m.data).some((v) => containsAny(v, needles))) found.push(`${id} in ${m.subject} (seen by ${m.server})`);
      }
    }
    expect(found).toEqual([]);
  });

  it('should send no plaintext and no data key, in any spelling', () => {
    expect(secrets.length).toBe(REGIONS.length * (1 + REGIONS.length) * 2);
    const found: string[] = [];
    for (const secret of secrets) {
      const needles = [secret, Buffer.from(secret.toString('hex')), ...base64Spellings(secret)];
      for (const m of spy.messages) if (containsAny(m.data, needles) || decodedViews(m.data).some((v) => containsAny(v, needles))) found.push(m.subject);
    }
    expect(found).toEqual([]);
  });

  it('should seal the material of every sync and name only mrk- keys in every message', () => {
    let syncs = 0;
    const problems: string[] = [];
    for (const m of repl()) {
      const outer = tryJson(m.data.toString('utf8')) as { v?: number; msg?: string; sig?: string } | undefined;
      if (!outer || outer.v !== 1 || typeof outer.msg !== 'string' || typeof outer.sig !== 'string') {
        problems.push(`${m.subject}: not a signed envelope`);
        continue;
      }
      const msg = JSON.parse(outer.msg) as { kind: string; body: Record<string, any>; sealed?: Record<string, string> };
      if (typeof msg.body?.keyId === 'string' && !/^mrk-[0-9a-f]{32}$/.test(msg.body.keyId)) problems.push(`${m.subject}: ${msg.kind} names ${msg.body.keyId}`);
      if (msg.kind !== 'sync') {
        if (msg.sealed !== undefined) problems.push(`${m.subject}: material outside a sync`);
        continue;
      }
      syncs++;
      if (!msg.sealed || !['epk', 'iv', 'ct', 'tag'].every((f) => typeof msg.sealed![f] === 'string' && msg.sealed![f].length > 0)) problems.push(`${m.subject}: a sync without sealed material`);
      // The body lists material by id only: nothing else about each version.
      for (const v of msg.body.shared?.materials ?? []) {
        const extra = Object.keys(v).filter((k) => !['version', 'materialId', 'createdAt', 'rotationType'].includes(k));
        if (extra.length > 0) problems.push(`${m.subject}: material ${v.version} carries ${extra.join(', ')}`);
      }
      if (/plaintext|"material"|"key"\s*:/i.test(JSON.stringify(msg.body))) problems.push(`${m.subject}: the body names plaintext material`);
    }
    expect(syncs).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  });

  it("should leave nothing of a single-Region key in other Regions' data or logs", async () => {
    const found: string[] = [];
    for (const [id, home] of singles) {
      const needles = [...spellings(id), ...REGIONS.flatMap((r) => spellings(arn(r, id)))];
      for (const region of REGIONS.filter((r) => r !== home)) {
        const files = [
          ...filesUnder(join(world.dataDir, region)),
          // Every log but the home Region's nodes' (the NATS servers' logs included).
          ...filesUnder(join(world.dataDir, 'logs')).filter((f) => !f.includes(`/${home}-node-`)),
        ];
        for (const f of files) if (containsAny(readFileSync(f), needles)) found.push(`${id} (of ${home}) in ${f}`);
        for (const entry of await levelEntries(join(world.dataDir, region))) if (containsAny(entry, needles)) found.push(`${id} (of ${home}) in a LevelDB entry of ${region}`);
      }
    }
    expect(found).toEqual([]);
  });

  it("should find, with the same search, each key in its own Region's data (the search works)", async () => {
    for (const [id, home] of singles) {
      const entries = await levelEntries(join(world.dataDir, home));
      expect(entries.some((e) => containsAny(e, spellings(id)))).toBe(true);
    }
    // And an mrk- id in every Region it was replicated to.
    for (const region of REGIONS) expect((await levelEntries(join(world.dataDir, region))).some((e) => containsAny(e, spellings(mrks[2])))).toBe(true);
  });
});
