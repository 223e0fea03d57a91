import { sign } from 'node:crypto';
import type { PlainMaterial, SyncPayload } from '@trent/kms';
import { EnvelopeCodec, Message, SIGNED_LABEL } from './envelope';
import { generateRegionKeys, RegionKeys } from './region-keys';
import { Rejections } from './rejections';
import { capturingLogger, regionFixtures } from './testing/region-fixtures';
import { secretMaterial, syncFixture } from './testing/sync-fixtures';

const US = 'us-east-1';
const EU = 'eu-west-1';
const AP = 'ap-southeast-2';
const KEY_ID = 'mrk-0123456789abcdef0123456789abcdef';

const payload = (version = 3): SyncPayload => syncFixture({ keyId: KEY_ID, version, primary: US, replicas: [EU], materials: 2 });
const material = (): PlainMaterial[] => secretMaterial(2);

function setup() {
  const fx = regionFixtures([US, EU, AP]);
  let now = 1_700_000_000_000;
  const clock = { now: () => now };
  const codec = (region: string, keys: RegionKeys = fx.keys(region)) => {
    const logger = capturingLogger();
    const rejections = new Rejections(logger.log, clock);
    return { sut: new EnvelopeCodec({ keys, rejections, clock }), rejections, logger };
  };
  return { fx, clock, advance: (ms: number) => (now += ms), codec };
}

/** Re-signs a tampered message with the real sender's key: what a buggy (not forged) sender could send. */
function resign(keys: RegionKeys, m: Message): Uint8Array {
  const msg = JSON.stringify(m);
  const sig = sign(null, Buffer.from(SIGNED_LABEL + msg), keys.signingPrivateKey).toString('base64url');
  return Buffer.from(JSON.stringify({ v: 1, msg, sig }));
}

const inner = (bytes: Uint8Array): Message => JSON.parse(JSON.parse(Buffer.from(bytes).toString()).msg) as Message;

describe(EnvelopeCodec.name, () => {
  it('should carry a sync and its material from one Region to another', () => {
    const { codec } = setup();
    const us = codec(US).sut;
    const eu = codec(EU);
    const { id, bytes } = us.seal({ kind: 'sync', to: EU, body: payload(), material: material() });
    const m = eu.sut.open(bytes)!;
    expect(m).toMatchObject({ v: 1, kind: 'sync', id, from: US, to: EU, body: payload() });
    expect(eu.sut.openMaterial(m, m.body as SyncPayload)).toEqual(material());
    expect(eu.rejections.count).toBe(0);
  });

  it('should carry a reply back to the request it answers', () => {
    const { codec } = setup();
    const us = codec(US);
    const eu = codec(EU).sut;
    const req = us.sut.seal({ kind: 'gone', to: EU, body: { x: 1 } });
    const m = eu.open(req.bytes)!;
    const reply = eu.seal({ kind: 'gone-reply', to: US, inReplyTo: m.id, body: { y: 2 } });
    expect(us.sut.open(reply.bytes, { inReplyTo: req.id, from: EU, kind: 'gone-reply' })).toMatchObject({ inReplyTo: req.id, body: { y: 2 } });
    expect(us.rejections.count).toBe(0);
  });

  it('should never put plaintext material on the wire, in any encoding', () => {
    const { codec } = setup();
    const { bytes } = codec(US).sut.seal({ kind: 'sync', to: EU, body: payload(), material: material() });
    const wire = Buffer.from(bytes);
    for (const m of material()) {
      for (const needle of [m.plaintext, m.plaintext.subarray(0, 8), m.plaintext.subarray(24)]) {
        expect(wire.includes(needle)).toBe(false);
        for (const enc of ['hex', 'base64', 'base64url'] as const) expect(wire.toString().includes(needle.toString(enc))).toBe(false);
      }
    }
  });

  it('should refuse the message when any single byte of it is flipped', () => {
    const { codec } = setup();
    const us = codec(US).sut;
    const eu = codec(EU);
    const { bytes } = us.seal({ kind: 'sync', to: EU, body: payload(), material: material() });
    for (let i = 0; i < bytes.length; i++) {
      const tampered = Buffer.from(bytes);
      tampered[i] ^= 0x01;
      const m = eu.sut.open(tampered);
      if (m) throw new Error(`flipping byte ${i} (${String.fromCharCode(bytes[i])}) went unnoticed`);
    }
    expect(eu.rejections.count).toBe(bytes.length);
    // The untouched message still opens: the refusals were about the flips, not the replay cache.
    expect(eu.sut.open(bytes)).toBeDefined();
  });

  it('should refuse a message signed with a key the trust file does not hold for its sender', () => {
    const { fx, codec } = setup();
    // An impostor's own files claim to be us-east-1 and trust themselves; eu-west-1's trust file says otherwise.
    const impostor = generateRegionKeys(US);
    const impostorKeys = RegionKeys.from(impostor.keyFile, { regions: { ...fx.trustFile.regions, [US]: impostor.trustEntry } });
    const { bytes } = codec(US, impostorKeys).sut.seal({ kind: 'sync', to: EU, body: payload(), material: material() });
    const eu = codec(EU);
    expect(eu.sut.open(bytes)).toBeUndefined();
    expect(eu.rejections.last).toMatchObject({ from: US, reason: 'bad signature' });
  });

  it('should refuse a message from a Region the trust file does not list', () => {
    const { fx, codec } = setup();
    const { [AP]: _, ...withoutAp } = fx.trustFile.regions;
    const eu = codec(EU, RegionKeys.from(fx.keyFiles[EU], { regions: withoutAp }));
    const { bytes } = codec(AP).sut.seal({ kind: 'gone', to: EU, body: {} });
    expect(eu.sut.open(bytes)).toBeUndefined();
    expect(eu.rejections.last).toMatchObject({ from: AP, reason: 'unknown sender Region' });
    expect(eu.rejections.count).toBe(1);
  });

  it('should refuse a message addressed to another Region', () => {
    const { codec } = setup();
    const { bytes } = codec(US).sut.seal({ kind: 'sync', to: EU, body: payload(), material: material() });
    const ap = codec(AP);
    expect(ap.sut.open(bytes)).toBeUndefined();
    expect(ap.rejections.last).toMatchObject({ from: US, reason: 'misdirected' });
  });

  it('should refuse a message older than the window, and one dated too far ahead', () => {
    const { codec, advance } = setup();
    const us = codec(US).sut;
    const eu = codec(EU);
    const old = us.seal({ kind: 'gone', to: EU, body: {} });
    advance(5 * 60_000 + 1);
    expect(eu.sut.open(old.bytes)).toBeUndefined();
    expect(eu.rejections.last?.reason).toBe('too old');

    const ahead = us.seal({ kind: 'gone', to: EU, body: {} });
    advance(-31_000);
    expect(eu.sut.open(ahead.bytes)).toBeUndefined();
    expect(eu.rejections.last?.reason).toBe('dated in the future');
    expect(eu.rejections.count).toBe(2);
  });

  it('should refuse a message it has already accepted', () => {
    const { codec } = setup();
    const { bytes } = codec(US).sut.seal({ kind: 'gone', to: EU, body: {} });
    const eu = codec(EU);
    expect(eu.sut.open(bytes)).toBeDefined();
    expect(eu.sut.open(bytes)).toBeUndefined();
    expect(eu.rejections.last?.reason).toBe('replayed');
    expect(eu.rejections.count).toBe(1);
    expect(eu.logger.lines).toEqual([expect.objectContaining({ level: 40, from: US, to: EU, kind: 'gone', reason: 'replayed' })]);
  });

  it('should refuse a reply to a request it did not send, and a reply arriving as a request', () => {
    const { codec } = setup();
    const us = codec(US);
    const eu = codec(EU).sut;
    const req = us.sut.seal({ kind: 'sync', to: EU, body: payload(), material: material() });
    const other = us.sut.seal({ kind: 'sync', to: EU, body: payload(), material: material() });
    const reply = eu.seal({ kind: 'ack', to: US, inReplyTo: eu.open(req.bytes)!.id, body: {} });
    expect(us.sut.open(reply.bytes, { inReplyTo: other.id, from: EU, kind: 'ack' })).toBeUndefined();
    expect(us.sut.open(reply.bytes)).toBeUndefined();
    expect(us.rejections.count).toBe(2);
    expect(us.rejections.last?.reason).toBe('unsolicited reply');
  });

  it('should not open material sealed to another Region', () => {
    const { codec } = setup();
    const { bytes } = codec(US).sut.seal({ kind: 'sync', to: EU, body: payload(), material: material() });
    const m = inner(bytes);
    const ap = codec(AP);
    expect(ap.sut.openMaterial(m, m.body as SyncPayload)).toBeUndefined();
    expect(ap.rejections.last?.reason).toBe('material does not open');
  });

  it('should not open material under a signed body naming another version than it was sealed for', () => {
    const { fx, codec } = setup();
    const m = inner(codec(US).sut.seal({ kind: 'sync', to: EU, body: payload(3), material: material() }).bytes);
    const eu = codec(EU);
    const opened = eu.sut.open(resign(fx.keys(US), { ...m, body: payload(4) }))!;
    expect(opened).toBeDefined();
    expect(eu.sut.openMaterial(opened, opened.body as SyncPayload)).toBeUndefined();
  });

  it('should keep no plaintext material in its log lines when refusing', () => {
    const { codec } = setup();
    const { bytes } = codec(US).sut.seal({ kind: 'sync', to: EU, body: payload(), material: material() });
    const ap = codec(AP);
    ap.sut.open(bytes);
    ap.sut.openMaterial(inner(bytes), payload());
    expect(ap.rejections.count).toBe(2);
    for (const m of material()) expect(ap.logger.text()).not.toContain(m.plaintext.toString('hex').slice(0, 16));
  });

  it('should forget the oldest ids beyond its bound (a replay of one is then applied idempotently by the host)', () => {
    const { fx, clock } = setup();
    const rejections = new Rejections(capturingLogger().log, clock);
    const sut = new EnvelopeCodec({ keys: fx.keys(EU), rejections, clock, replayCacheSize: 2 });
    const us = new EnvelopeCodec({ keys: fx.keys(US), rejections, clock });
    const sent = [1, 2, 3].map(() => us.seal({ kind: 'gone', to: EU, body: {} }).bytes);
    for (const b of sent) expect(sut.open(b)).toBeDefined();
    expect(sut.open(sent[2])).toBeUndefined();
    expect(sut.open(sent[0])).toBeDefined();
  });
});
