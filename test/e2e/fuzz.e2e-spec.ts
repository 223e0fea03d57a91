/**
 * Invariant 6 end to end: bad input gets AWS's error, never a crash, a 5xx or a changed state.
 *
 * One real node is sent malformed, hostile and wrong-but-valid requests on POST /. Every answer
 * must be a 4xx with content type application/x-amz-json-1.1, a JSON body with a string `__type`
 * and a string `message`, and `x-amzn-errortype` equal to `__type`. Around every request the
 * node's applied index, key count and alias count must not move; after the run they must be what
 * they were before it, the process must still be up with no error in its log, and the key made
 * beforehand must still encrypt and decrypt.
 *
 * Deterministic by default. FUZZ_SEED picks another seed; FUZZ_RUNS sets the runs of a property
 * of weight 1 (default 250, about 15 s here; the others scale with it), e.g.
 *   FUZZ_SEED=7 FUZZ_RUNS=5000 npx jest --selectProjects e2e -- test/e2e/fuzz
 * A failure prints the seed and the shrunk request. The same FUZZ_SEED generates the same requests,
 * apart from the reference key's id and the clock, which differ from run to run.
 */
import { DecryptCommand, EncryptCommand, CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { Sha256Js } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { KMS_INPUT_SHAPES, type KmsShape, type KmsStructureShape } from '@trent/protocol';
import fc from 'fast-check';
import { TrentNode } from '../support/trent-node';

const SEED = envInteger('FUZZ_SEED', 20250514);
const RUNS = envInteger('FUZZ_RUNS', 250);
/** Per test: generous, since FUZZ_RUNS may be raised far above the default. */
const TIMEOUT_MS = 60_000 + RUNS * 1_000;

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const OTHER_ACCOUNT = '111122223333';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const JSON_11 = 'application/x-amz-json-1.1';
/** A little over the node's body limit (1 MiB). */
const OVER_BODY_LIMIT = 1024 * 1024 + 1;

function envInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${text}'`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// The node, the reference key, and how requests are sent and judged.

let node: TrentNode;
/** The key made before the run; nothing sent during the run may change it. */
const ref = { keyId: '', arn: '', alias: 'alias/fuzz-reference', ciphertext: Buffer.alloc(0) };
const REF_PLAINTEXT = Buffer.from('the reference plaintext');
const REF_CONTEXT = { purpose: 'fuzz' };

interface Counters {
  appliedIndex: number;
  keys: number;
  aliases: number;
}
let before: Counters;

async function counters(): Promise<Counters> {
  const res = await fetch(`${node.endpoint}/_trent/status`);
  const s = (await res.json()) as Counters;
  return { appliedIndex: s.appliedIndex, keys: s.keys, aliases: s.aliases };
}

interface Signing {
  credentials?: { accessKeyId: string; secretAccessKey: string };
  region?: string;
  service?: string;
  date?: Date;
  /** Sign these bytes instead of the body actually sent. */
  signedBody?: Buffer;
  /** Leave out x-amz-content-sha256, as botocore does. */
  noContentHash?: boolean;
}

interface Outgoing {
  /** The X-Amz-Target header; null sends none. */
  target: string | null;
  body: Buffer;
  signing?: Signing;
  /** Extra headers, signed with the rest. */
  headers?: Record<string, string>;
  /** Applied to the headers after signing (garbling the signature, dropping it, …). */
  tamper?: (headers: Record<string, string>) => void;
}

async function signedHeaders(o: Outgoing): Promise<Record<string, string>> {
  const s = o.signing ?? {};
  const headers: Record<string, string> = { host: new URL(node.endpoint).host, 'content-type': JSON_11, ...o.headers };
  if (o.target !== null) headers['x-amz-target'] = o.target;
  const signer = new SignatureV4({
    credentials: s.credentials ?? CREDENTIALS,
    region: s.region ?? REGION,
    service: s.service ?? 'kms',
    sha256: Sha256Js,
    applyChecksum: s.noContentHash !== true,
  });
  const request = new HttpRequest({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: node.port, path: '/', headers, body: s.signedBody ?? o.body });
  const signed = await signer.sign(request, s.date === undefined ? {} : { signingDate: s.date });
  const out = { ...signed.headers };
  o.tamper?.(out);
  return out;
}

interface Answer {
  status: number;
  contentType: string | null;
  errorType: string | null;
  text: string;
}

async function post(o: Outgoing): Promise<Answer> {
  const headers = await signedHeaders(o);
  let res: Response;
  try {
    res = await fetch(`${node.endpoint}/`, { method: 'POST', headers, body: o.body });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    const death = node.alive ? '' : `; the node has exited, its log ends:\n${node.log().split('\n').slice(-30).join('\n')}`;
    throw new Error(`no answer (connection dropped?): ${(e as Error).message}${cause ? ` (${cause})` : ''}${death}`);
  }
  return { status: res.status, contentType: res.headers.get('content-type'), errorType: res.headers.get('x-amzn-errortype'), text: await res.text() };
}

/** Checks the answer is an AWS-shaped client error; returns its type and message. */
function clientError(a: Answer): { type: string; message: string } {
  const seen = `HTTP ${a.status}, ${a.contentType}, x-amzn-errortype ${a.errorType}: ${a.text.slice(0, 400)}`;
  if (a.status < 400 || a.status > 499) throw new Error(`expected a 4xx, got ${seen}`);
  const mediaType = a.contentType?.split(';')[0].trim().toLowerCase();
  if (mediaType !== JSON_11) throw new Error(`expected content type ${JSON_11}, got ${seen}`);
  let body: unknown;
  try {
    body = JSON.parse(a.text);
  } catch {
    throw new Error(`the body is not JSON: ${seen}`);
  }
  const { __type: type, message } = (body ?? {}) as { __type?: unknown; message?: unknown };
  if (typeof type !== 'string' || type === '' || typeof message !== 'string') throw new Error(`expected string __type and message, got ${seen}`);
  if (a.errorType !== type) throw new Error(`x-amzn-errortype differs from __type: ${seen}`);
  return { type, message };
}

const sameCounters = (a: Counters, b: Counters): boolean => a.appliedIndex === b.appliedIndex && a.keys === b.keys && a.aliases === b.aliases;

/**
 * Sends one request that must be refused without a trace: a client error, and the counters as they
 * were just before it (so one offending request is named precisely and does not fail every later
 * one; the last test compares with the counters from before the whole run).
 */
async function refused(o: Outgoing): Promise<{ type: string; message: string }> {
  const then = await counters();
  const error = clientError(await post(o));
  const now = await counters();
  if (!sameCounters(then, now)) {
    throw new Error(`state changed by a refused request (${error.type}: ${error.message}): ${JSON.stringify(then)} -> ${JSON.stringify(now)}`);
  }
  return error;
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
const target = (operation: string): string => `TrentService.${operation}`;

function check<T>(arbitrary: fc.Arbitrary<T>, predicate: (t: T) => Promise<unknown>, weight = 1): Promise<void> {
  return fc.assert(
    fc.asyncProperty(arbitrary, async (t) => {
      await predicate(t);
    }),
    {
      seed: SEED,
      numRuns: Math.max(1, Math.round(RUNS * weight)),
      reporter: (details) => {
        if (details.failed) throw new Error(readableReport(fc.defaultReportMessage(details) ?? 'property failed'));
      },
    },
  );
}

/** fast-check prints request bodies as byte arrays; show them as text, and cut the long ones. */
function readableReport(report: string): string {
  return report.replace(/Buffer\.from\(\[([\d,]*)\]\)/g, (_all, list: string) => {
    const bytes = Buffer.from(list === '' ? [] : list.split(',').map(Number));
    const text = JSON.stringify(bytes.toString('utf8'));
    return `<${bytes.length} bytes: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}>`;
  });
}

// ---------------------------------------------------------------------------------------------
// The model, walked: which members each operation has, values that fit them, values that do not.

const SHAPES = KMS_INPUT_SHAPES as unknown as Readonly<Record<string, KmsStructureShape>>;
const OPERATIONS = Object.keys(SHAPES);
const KEY_MEMBERS: ReadonlySet<string> = new Set(['KeyId', 'TargetKeyId', 'SourceKeyId', 'DestinationKeyId']);

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
const base64Canonical = (s: string): boolean => Buffer.from(s, 'base64').toString('base64') === s;
const parsesAsJson = (bytes: Buffer): boolean => {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
    return true;
  } catch {
    return false;
  }
};

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));
const uuid = fc.uuid({ version: 4 });
const asciiText = (min: number, max: number) => fc.string({ minLength: min, maxLength: Math.max(min, max) });
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
/** A string holding at least one unpaired UTF-16 surrogate. */
const withLoneSurrogate = fc
  .tuple(fc.string({ maxLength: 6 }), loneSurrogate, fc.string({ maxLength: 6 }))
  .map(([a, s, b]) => a + s + b)
  .filter((s) => !isWellFormed(s));

/** References to keys that do not exist for the caller, in every form a KeyId may take. */
const unknownKeyRef: fc.Arbitrary<string> = fc.oneof(
  uuid,
  uuid.map((u) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${u}`),
  uuid.map((u) => `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${u}`),
  uuid.map((u) => `arn:aws:kms:${REGION}:${OTHER_ACCOUNT}:key/${u}`),
  fc.constant(null).map(() => `arn:aws:kms:${REGION}:${OTHER_ACCOUNT}:key/${ref.keyId}`),
  fc.constant(null).map(() => `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${ref.keyId}`),
  hex(32).map((h) => `mrk-${h}`),
  fc.stringMatching(/^[a-z0-9-]{1,20}$/).map((s) => `alias/fz-unknown-${s}`),
  fc.stringMatching(/^[a-z0-9-]{1,20}$/).map((s) => `arn:aws:kms:${REGION}:${ACCOUNT}:alias/fz-unknown-${s}`),
  fc.string({ minLength: 1, maxLength: 40 }),
);
/** The reference key by id, ARN or alias. */
const refKeyRef: fc.Arbitrary<string> = fc.constantFrom('id', 'arn', 'alias').map((form) => (form === 'id' ? ref.keyId : form === 'arn' ? ref.arn : ref.alias));
const anyKeyRef = fc.oneof(refKeyRef, unknownKeyRef);

/** Values that satisfy a string shape's pattern, where a plain string would not. */
const STRING_BY_SHAPE: Readonly<Record<string, fc.Arbitrary<string>>> = {
  AliasNameType: fc.stringMatching(/^[a-z0-9-]{1,12}$/).map((s) => `alias/fz-${s}`),
  GrantNameType: fc.stringMatching(/^[a-z0-9-]{1,16}$/),
  PrincipalIdType: fc.constant(`arn:aws:iam::${ACCOUNT}:user/fuzz`),
  PolicyNameType: fc.constant('default'),
  PolicyType: fc.constant('{"Version":"2012-10-17","Statement":[]}'),
  MarkerType: fc.stringMatching(/^[A-Za-z0-9]{1,16}$/),
  BackingKeyIdType: hex(64),
  AccountIdType: fc.constant(ACCOUNT),
  RegionType: fc.constantFrom('us-west-2', 'eu-west-1'),
  TagKeyType: fc.stringMatching(/^[a-z]{1,8}$/).map((s) => `fz-${s}`),
  KeyMaterialDescriptionType: fc.stringMatching(/^[a-z]{1,10}$/),
  CustomKeyStoreIdType: fc.constant('cks-1234567890abcdef0'),
};

/** A value of the right JSON type for the shape, usually inside its constraints. */
function fitting(shape: KmsShape, member: string, keyRef: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  switch (shape.kind) {
    case 'string':
      if (KEY_MEMBERS.has(member)) return keyRef;
      if (shape.enum !== undefined) return fc.constantFrom(...shape.enum);
      return STRING_BY_SHAPE[shape.name] ?? asciiText(shape.min ?? 0, Math.min(shape.max ?? 24, 24));
    case 'blob':
      return fc.uint8Array({ minLength: Math.max(shape.min ?? 0, 1), maxLength: Math.min(shape.max ?? 64, 64) }).map((b) => Buffer.from(b).toString('base64'));
    case 'integer':
      return fc.integer({ min: shape.min ?? 0, max: shape.max ?? 1000 });
    case 'boolean':
      return fc.boolean();
    case 'timestamp':
      return fc.integer({ min: 1_500_000_000, max: 2_000_000_000 });
    case 'list':
      return fc.array(fitting(shape.member, member, keyRef), { minLength: shape.min ?? 0, maxLength: Math.min(shape.max ?? 3, 3) });
    case 'map':
      return fc.dictionary(asciiText(1, 8), asciiText(0, 8), { maxKeys: 3 });
    case 'structure':
      return fittingStructure(shape, keyRef);
  }
}

/** Required members always, optional ones sometimes; `forced` members are treated as required. */
function fittingStructure(shape: KmsStructureShape, keyRef: fc.Arbitrary<string>, forced: readonly string[] = []): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const requiredKeys: string[] = [];
  for (const [name, m] of Object.entries(shape.members)) {
    model[name] = fitting(m.shape, name, keyRef);
    if (m.required === true || forced.includes(name)) requiredKeys.push(name);
  }
  return fc.record(model, { requiredKeys }) as fc.Arbitrary<Record<string, unknown>>;
}

const fittingBody = (operation: string, keyRef: fc.Arbitrary<string> = anyKeyRef, forced: readonly string[] = []) => fittingStructure(SHAPES[operation], keyRef, forced);

/** JSON values by type. Null is not among them: AWS JSON 1.1 reads null as an absent member. */
const ANY = {
  string: fc.oneof(fc.string({ maxLength: 12 }), withLoneSurrogate),
  number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
  boolean: fc.boolean(),
  object: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  array: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
};
type JsonType = keyof typeof ANY;
const WRONG_TYPES: Readonly<Record<KmsShape['kind'], readonly JsonType[]>> = {
  string: ['number', 'boolean', 'object', 'array'],
  blob: ['number', 'boolean', 'object', 'array'],
  integer: ['string', 'boolean', 'object', 'array'],
  timestamp: ['string', 'boolean', 'object', 'array'],
  boolean: ['string', 'number', 'object', 'array'],
  list: ['string', 'number', 'boolean', 'object'],
  map: ['string', 'number', 'boolean', 'array'],
  structure: ['string', 'number', 'boolean', 'array'],
};

/** A value the shape cannot be read from: the wrong JSON type, at the top or somewhere inside. */
function misfitting(shape: KmsShape): fc.Arbitrary<unknown> {
  const top = fc.oneof(...WRONG_TYPES[shape.kind].map((t) => ANY[t] as fc.Arbitrary<unknown>));
  switch (shape.kind) {
    case 'list':
      return fc.oneof(top, misfitting(shape.member).map((v) => [v]));
    case 'map':
      return fc.oneof(top, fc.tuple(fc.string({ maxLength: 6 }), misfitting(shape.value)).map(([k, v]) => ({ [k]: v })));
    case 'structure': {
      const members = Object.entries(shape.members);
      if (members.length === 0) return top;
      const inner = fc.constantFrom(...members).chain(([name, m]) => misfitting(m.shape).map((v) => ({ [name]: v })));
      return fc.oneof(top, inner);
    }
    default:
      return top;
  }
}

interface MemberRef {
  operation: string;
  member: string;
  shape: KmsShape;
  required: boolean;
}
const MEMBERS: readonly MemberRef[] = OPERATIONS.flatMap((operation) =>
  Object.entries(SHAPES[operation].members).map(([member, m]) => ({ operation, member, shape: m.shape, required: m.required === true })),
);

/** Paths to blob members, through nested structures (Recipient.AttestationDocument). */
function blobPaths(shape: KmsStructureShape, prefix: string[] = []): string[][] {
  return Object.entries(shape.members).flatMap(([name, m]) => {
    if (m.shape.kind === 'blob') return [[...prefix, name]];
    if (m.shape.kind === 'structure') return blobPaths(m.shape, [...prefix, name]);
    return [];
  });
}
const BLOB_PATHS = OPERATIONS.flatMap((operation) => blobPaths(SHAPES[operation]).map((path) => ({ operation, path })));

function setPath(body: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (rest.length === 0) return { ...body, [head]: value };
  const inner = body[head];
  return { ...body, [head]: setPath(typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? (inner as Record<string, unknown>) : {}, rest, value) };
}

/** Strings Node would decode as base64 but AWS's decoder refuses: bad characters, length, padding or trailing bits. */
const badBase64: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ .!\n\té\u0000'), minLength: 1, maxLength: 40 }),
    fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 30 }), fc.nat(), fc.constantFrom('-', '_', ' ', '\n', '!', '*', 'é', '=', '\u0000')).map(([bytes, at, junk]) => {
      const s = Buffer.from(bytes).toString('base64');
      const i = at % (s.length + 1);
      return s.slice(0, i) + junk + s.slice(i);
    }),
    fc.uint8Array({ minLength: 1, maxLength: 30 }).map((bytes) => Buffer.from(bytes).toString('base64').replace(/=+$/, '')),
    fc.uint8Array({ minLength: 1, maxLength: 30 }).map((bytes) => Buffer.from(bytes).toString('base64').slice(0, -1)),
    fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 30 }), fc.constantFrom('B', 'C', 'D', 'Z', 'z', '/')).map(([bytes, last]) => {
      const s = Buffer.from(bytes).toString('base64');
      const pad = s.length - s.replace(/=+$/, '').length;
      return pad === 0 ? `${s}=` : s.slice(0, s.length - pad - 1) + last + s.slice(s.length - pad);
    }),
  )
  .filter((s) => !base64Canonical(s));

/** Number literals no KMS integer member accepts: outside int32, non-finite, or 0 after truncation, or above every maximum (2560). */
const hostileNumber: fc.Arbitrary<string> = fc.oneof(
  fc.bigInt({ min: 2n ** 31n, max: 10n ** 40n }).map(String),
  fc.bigInt({ min: -(10n ** 40n), max: -(2n ** 31n) - 1n }).map(String),
  fc.integer({ min: 2561, max: 2 ** 31 - 1 }).map(String),
  fc.integer({ min: 309, max: 5000 }).map((e) => `1e${e}`),
  fc.integer({ min: 309, max: 5000 }).map((e) => `-1e${e}`),
  fc.integer({ min: 324, max: 5000 }).map((e) => `1e-${e}`),
  fc.nat({ max: 400 }).map((n) => '9'.repeat(n + 11)),
  fc.constantFrom('0', '-0', '0.5', '-0.5', '0.999999999999', '-2147483649', '2147483648', '1E400', '1.7976931348623157e309', '123456789012345678901234567890.5'),
);

/** Replaces a placeholder member value with raw JSON text (numbers JSON.stringify cannot write, deep nesting). */
const PLACEHOLDER = '\u0000fuzz-placeholder\u0000';
const withRaw = (body: unknown, raw: string): Buffer => Buffer.from(JSON.stringify(body).replace(JSON.stringify(PLACEHOLDER), raw), 'utf8');

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const depth = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1_000, max: 150_000 }));

// ---------------------------------------------------------------------------------------------

describe('fuzzing the KMS endpoint (e2e)', () => {
  beforeAll(async () => {
    console.log(`fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
    node = await TrentNode.start();
    const kms = node.client();
    try {
      const created = await kms.send(new CreateKeyCommand({ Description: 'fuzz reference key' }));
      ref.keyId = created.KeyMetadata!.KeyId!;
      ref.arn = created.KeyMetadata!.Arn!;
      await kms.send(new CreateAliasCommand({ AliasName: ref.alias, TargetKeyId: ref.keyId }));
      const sealed = await kms.send(new EncryptCommand({ KeyId: ref.keyId, Plaintext: REF_PLAINTEXT, EncryptionContext: REF_CONTEXT }));
      ref.ciphertext = Buffer.from(sealed.CiphertextBlob!);
    } finally {
      kms.destroy();
    }
    before = await counters();
  }, 30_000);

  afterAll(async () => {
    await node?.dispose();
  });

  describe('malformed bodies', () => {
    it('should refuse bodies of random bytes', async () => {
      const bytes = fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 2048 }).map((b) => Buffer.from(b)),
        fc.string({ minLength: 1, maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')),
        // One byte of a well-formed request changed.
        fc.tuple(fittingBody('Encrypt'), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([body, at, byte]) => {
          const b = json(body);
          b[at % b.length] = byte;
          return b;
        }),
      );
      await check(fc.tuple(fc.constantFrom(...OPERATIONS), bytes).filter(([, b]) => !parsesAsJson(b)), ([op, body]) => refused({ target: target(op), body }));
    }, TIMEOUT_MS);

    it('should refuse truncated JSON', async () => {
      const truncated = fc.constantFrom(...OPERATIONS).chain((op) =>
        fc.tuple(fc.constant(op), fittingBody(op), fc.double({ min: 0, max: 1, noNaN: true })).map(([o, body, cut]) => {
          const text = json(body);
          return [o, text.subarray(0, 1 + Math.floor(cut * (text.length - 1)))] as const;
        }),
      );
      await check(truncated.filter(([, b]) => b.length > 0 && !parsesAsJson(b)), ([op, body]) => refused({ target: target(op), body }));
    }, TIMEOUT_MS);

    it('should refuse JSON-like text that is not JSON', async () => {
      const broken = fc.constantFrom(
        '{KeyId: "k"}',
        "{'KeyId': 'k'}",
        '{"KeyId": "k",}',
        '{"Limit": NaN}',
        '{"Limit": Infinity}',
        '{"Limit": -Infinity}',
        '{"Limit": 01}',
        '{"Limit": 0x10}',
        '{"Limit": +1}',
        '{"Limit": .5}',
        '{"Limit": 1.}',
        '{} // comment',
        '/* c */ {}',
        '{"KeyId": "k"}}',
        '{}{}',
        '{"KeyId" "k"}',
        '{"KeyId": undefined}',
        '{"KeyId": "\u0001"}',
        '{"KeyId": "\\x41"}',
        '{"KeyId": "\\u12"}',
        '{"KeyId": "\\ud800\\u"}',
        '\ufeff{}',
        '{"a":[1,2,]}',
        '[',
        '{',
        '"',
        '{"a":"',
        'nul',
        'tru',
        '{"Limit":1e}',
        '{"Limit":-}',
      );
      // Invalid UTF-8 (a lone surrogate as CESU-8, overlongs, stray continuation bytes) inside otherwise valid JSON.
      const notUtf8 = fc
        .tuple(fc.constantFrom('Description', 'KeyId', 'Marker', 'AliasName'), fc.constantFrom([0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x80], [0xff], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]))
        .map(([member, bytes]) => Buffer.concat([Buffer.from(`{"${member}":"a`), Buffer.from(bytes), Buffer.from('"}')]));
      const body = fc.oneof(broken.map((s) => Buffer.from(s, 'utf8')), notUtf8);
      await check(fc.tuple(fc.constantFrom(...OPERATIONS), body), ([op, b]) => refused({ target: target(op), body: b }));
    }, TIMEOUT_MS);

    it('should refuse a body that is not UTF-8 even where the same text would create a key', async () => {
      const body = Buffer.concat([Buffer.from('{"Description":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
      const error = await refused({ target: target('CreateKey'), body });
      expect(error.type).toBe('SerializationException');
    });

    it('should refuse JSON of the wrong top-level type', async () => {
      const top = fc.oneof(ANY.number, ANY.string, ANY.boolean, fc.constant(null), ANY.array, fc.constant([]), fc.constant([{}]));
      await check(fc.tuple(fc.constantFrom(...OPERATIONS), top), async ([op, value]) => {
        const error = await refused({ target: target(op), body: json(value) });
        if (error.type !== 'SerializationException') throw new Error(`expected a SerializationException, got ${error.type}: ${error.message}`);
      });
    }, TIMEOUT_MS);

    it('should refuse deeply nested JSON, at the top, in a member, or beside a missing required member', async () => {
      const required = OPERATIONS.filter((op) => Object.values(SHAPES[op].members).some((m) => m.required === true));
      const placed = fc.oneof(
        // At the top only arrays: a deep object there is one unknown member, which a request without required members may carry.
        fc.tuple(fc.constantFrom(...OPERATIONS), depth).map(([op, d]) => [op, Buffer.from(deepArray(d))] as const),
        fc.tuple(fc.constantFrom(...MEMBERS), fc.boolean(), depth).chain(([m, arrays, d]) =>
          fittingBody(m.operation).map((body) => {
            // A structure or map would read an object as itself and ignore its unknown member; give them arrays.
            const useArrays = arrays || m.shape.kind === 'structure';
            return [m.operation, withRaw({ ...body, [m.member]: PLACEHOLDER }, useArrays ? deepArray(d) : deepObject(d))] as const;
          }),
        ),
        fc.tuple(fc.constantFrom(...required), depth).chain(([op, d]) =>
          fittingBody(op).map((body) => {
            const rest = Object.fromEntries(Object.entries(body).filter(([name]) => SHAPES[op].members[name].required !== true));
            return [op, withRaw({ ...rest, Junk: PLACEHOLDER }, deepObject(d))] as const;
          }),
        ),
      );
      await check(placed, ([op, body]) => refused({ target: target(op), body }), 0.5);
    }, TIMEOUT_MS);
  });

  describe('members that do not fit the model', () => {
    it('should refuse every member of every operation given a value of the wrong JSON type', async () => {
      const wrong = fc.constantFrom(...MEMBERS).chain((m) => fc.tuple(fc.constant(m), fittingBody(m.operation), misfitting(m.shape)));
      await check(
        wrong,
        async ([m, body, value]) => {
          const error = await refused({ target: target(m.operation), body: json({ ...body, [m.member]: value }) });
          if (error.type !== 'SerializationException') throw new Error(`expected a SerializationException, got ${error.type}: ${error.message}`);
        },
        3,
      );
    }, TIMEOUT_MS);

    it('should refuse a required member sent as null', async () => {
      const nulls = fc.constantFrom(...MEMBERS.filter((m) => m.required)).chain((m) => fc.tuple(fc.constant(m), fittingBody(m.operation)));
      await check(nulls, async ([m, body]) => {
        const error = await refused({ target: target(m.operation), body: json({ ...body, [m.member]: null }) });
        if (error.type !== 'ValidationException') throw new Error(`expected a ValidationException, got ${error.type}: ${error.message}`);
      });
    }, TIMEOUT_MS);

    it('should refuse blobs that are not base64', async () => {
      const bad = fc.constantFrom(...BLOB_PATHS).chain((p) => fc.tuple(fc.constant(p), fittingBody(p.operation), badBase64));
      await check(bad, async ([p, body, text]) => {
        const error = await refused({ target: target(p.operation), body: json(setPath(body, p.path, text)) });
        if (error.type !== 'SerializationException') throw new Error(`expected a SerializationException for '${text}', got ${error.type}: ${error.message}`);
      });
    }, TIMEOUT_MS);

    it('should refuse the oversize values AWS caps, each with its error', async () => {
      const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }));
      const b64 = (bytes: number) => Buffer.alloc(bytes, 0x61).toString('base64');
      const cases: [string, Record<string, unknown>, string][] = [
        ['DescribeKey', { KeyId: 'k'.repeat(2049) }, 'ValidationException'],
        ['Encrypt', { KeyId: 'k'.repeat(2049), Plaintext: b64(1) }, 'ValidationException'],
        ['CreateKey', { Description: 'd'.repeat(8193) }, 'ValidationException'],
        ['UpdateKeyDescription', { KeyId: ref.keyId, Description: 'd'.repeat(8193) }, 'ValidationException'],
        ['Encrypt', { KeyId: ref.keyId, Plaintext: b64(4097) }, 'ValidationException'],
        ['GenerateDataKey', { KeyId: ref.keyId, NumberOfBytes: 1025 }, 'ValidationException'],
        ['CreateKey', { Policy: 'p'.repeat(131073) }, 'ValidationException'],
        ['PutKeyPolicy', { KeyId: ref.keyId, PolicyName: 'default', Policy: 'p'.repeat(131073) }, 'ValidationException'],
        ['CreateKey', { Tags: tags(51) }, 'TagException'],
        ['TagResource', { KeyId: ref.keyId, Tags: tags(51) }, 'TagException'],
        ['Encrypt', { KeyId: ref.keyId, Plaintext: b64(1), GrantTokens: Array.from({ length: 11 }, (_, i) => `token-${i}`) }, 'ValidationException'],
        ['Decrypt', { CiphertextBlob: b64(6145) }, 'ValidationException'],
      ];
      for (const [op, body, type] of cases) {
        const error = await refused({ target: target(op), body: json(body) });
        expect({ op, type: error.type }).toEqual({ op, type });
      }
      const huge = await refused({ target: target('CreateKey'), body: json({ Description: 'd'.repeat(OVER_BODY_LIMIT) }) });
      expect(huge.type).toBe('SerializationException');
    }, TIMEOUT_MS);

    it('should refuse any string, blob or list longer than its maximum', async () => {
      const bounded = MEMBERS.filter((m) => (m.shape.kind === 'string' || m.shape.kind === 'blob' || m.shape.kind === 'list') && m.shape.max !== undefined);
      const oversize = fc.constantFrom(...bounded).chain((m) =>
        fc.tuple(fc.constant(m), fittingBody(m.operation), fc.integer({ min: 1, max: 64 }), fc.constantFrom('a', '0', '/', 'é')).map(([mm, body, extra, ch]) => {
          const max = (mm.shape as { max: number }).max;
          const n = max + extra;
          const value = mm.shape.kind === 'string' ? ch.repeat(n) : mm.shape.kind === 'blob' ? Buffer.alloc(n, 1).toString('base64') : Array.from({ length: n }, () => 'token');
          return [mm, { ...body, [mm.member]: value }] as const;
        }),
      );
      await check(oversize, async ([m, body]) => {
        const error = await refused({ target: target(m.operation), body: json(body) });
        if (error.type !== 'ValidationException') throw new Error(`expected a ValidationException for ${m.operation}.${m.member}, got ${error.type}: ${error.message}`);
      });
    }, TIMEOUT_MS);

    it('should refuse number literals no integer member can hold, wherever they appear', async () => {
      const placed = fc.tuple(fc.constantFrom(...MEMBERS), hostileNumber).chain(([m, literal]) =>
        fittingBody(m.operation).map((body) => [m, withRaw({ ...body, [m.member]: PLACEHOLDER }, literal)] as const),
      );
      await check(placed, ([m, body]) => refused({ target: target(m.operation), body }));
    }, TIMEOUT_MS);
  });

  describe('unpaired UTF-16 surrogates', () => {
    const surrogateContext = fc
      .tuple(fc.dictionary(asciiText(1, 6), asciiText(0, 6), { maxKeys: 2 }), withLoneSurrogate, asciiText(0, 6), fc.boolean())
      .map(([rest, odd, plain, inKey]) => ({ ...rest, ...(inKey ? { [odd]: plain } : { [`k${plain}`]: odd }) }));

    it('should answer an encryption context holding one with ValidationException, on the real key', async () => {
      const requests = fc.tuple(
        fc.constantFrom('Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'Decrypt', 'ReEncrypt:source', 'ReEncrypt:destination', 'CreateGrant'),
        refKeyRef,
        surrogateContext,
      );
      await check(requests, async ([kind, keyRef, context]) => {
        const plaintext = REF_PLAINTEXT.toString('base64');
        const ciphertext = ref.ciphertext.toString('base64');
        const [op, body]: [string, Record<string, unknown>] =
          kind === 'Encrypt' ? ['Encrypt', { KeyId: keyRef, Plaintext: plaintext, EncryptionContext: context }]
          : kind === 'GenerateDataKey' ? ['GenerateDataKey', { KeyId: keyRef, KeySpec: 'AES_256', EncryptionContext: context }]
          : kind === 'GenerateDataKeyWithoutPlaintext' ? ['GenerateDataKeyWithoutPlaintext', { KeyId: keyRef, NumberOfBytes: 32, EncryptionContext: context }]
          : kind === 'Decrypt' ? ['Decrypt', { CiphertextBlob: ciphertext, EncryptionContext: context }]
          : kind === 'ReEncrypt:source' ? ['ReEncrypt', { CiphertextBlob: ciphertext, SourceEncryptionContext: context, DestinationKeyId: keyRef }]
          : kind === 'ReEncrypt:destination' ? ['ReEncrypt', { CiphertextBlob: ciphertext, SourceEncryptionContext: REF_CONTEXT, DestinationKeyId: keyRef, DestinationEncryptionContext: context }]
          : ['CreateGrant', { KeyId: keyRef, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/fuzz`, Operations: ['Decrypt'], Constraints: { EncryptionContextEquals: context } }];
        const error = await refused({ target: target(op), body: json(body) });
        if (error.type !== 'ValidationException') throw new Error(`expected a ValidationException from ${kind}, got ${error.type}: ${error.message}`);
      });
    }, TIMEOUT_MS);

    it('should refuse key ids and alias names holding one', async () => {
      const identifiers = MEMBERS.filter((m) => KEY_MEMBERS.has(m.member) || m.member === 'AliasName');
      const requests = fc.constantFrom(...identifiers).chain((m) => fc.tuple(fc.constant(m), fittingBody(m.operation), withLoneSurrogate));
      await check(requests, ([m, body, odd]) => refused({ target: target(m.operation), body: json({ ...body, [m.member]: odd }) }));
    }, TIMEOUT_MS);
  });

  describe('wrong but valid values, validly signed', () => {
    it('should refuse every operation naming a key or alias that does not exist', async () => {
      const named = OPERATIONS.filter((op) => Object.keys(SHAPES[op].members).some((name) => KEY_MEMBERS.has(name) || name === 'AliasName'));
      const requests = fc.constantFrom(...named).chain((op) => {
        const forced = Object.keys(SHAPES[op].members).filter((name) => KEY_MEMBERS.has(name));
        return fc.tuple(fc.constant(op), fittingBody(op, unknownKeyRef, forced));
      });
      await check(requests, ([op, body]) => refused({ target: target(op), body: json(body) }), 2);
    }, TIMEOUT_MS);

    it('should refuse requests on the real key that AWS would refuse', async () => {
      const ciphertext = () => ref.ciphertext.toString('base64');
      const flipped = (at: number, bit: number) => {
        const b = Buffer.from(ref.ciphertext);
        b[at % b.length] ^= 1 << bit % 8;
        return b.toString('base64');
      };
      const marker = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);
      const requests = fc.oneof<fc.Arbitrary<[string, Record<string, unknown>]>[]>(
        refKeyRef.map((k) => ['CancelKeyDeletion', { KeyId: k === ref.alias ? ref.keyId : k }]),
        fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 512 }), fc.option(refKeyRef)).map(([b, k]) => ['Decrypt', { CiphertextBlob: Buffer.from(b).toString('base64'), ...(k === null ? {} : { KeyId: k }) }]),
        fc.tuple(fc.nat(), fc.nat(7)).map(([at, bit]) => ['Decrypt', { CiphertextBlob: flipped(at, bit), EncryptionContext: REF_CONTEXT }]),
        fc.tuple(fc.nat(), fc.nat(7), refKeyRef).map(([at, bit, k]) => ['ReEncrypt', { CiphertextBlob: flipped(at, bit), SourceEncryptionContext: REF_CONTEXT, DestinationKeyId: k }]),
        fc.dictionary(asciiText(1, 8), asciiText(0, 8), { maxKeys: 3 }).filter((c) => JSON.stringify(c) !== JSON.stringify(REF_CONTEXT)).map((c) => ['Decrypt', { CiphertextBlob: ciphertext(), EncryptionContext: c }]),
        unknownKeyRef.map((k) => ['Decrypt', { CiphertextBlob: ciphertext(), EncryptionContext: REF_CONTEXT, KeyId: k }]),
        fc.tuple(fc.constantFrom('ListKeys', 'ListAliases', 'ListResourceTags', 'ListKeyRotations'), marker).map(([op, m]) => [op, { Marker: m, ...(op === 'ListKeys' || op === 'ListAliases' ? {} : { KeyId: ref.keyId }) }]),
        fc.tuple(fc.constantFrom('GenerateDataKey', 'GenerateDataKeyWithoutPlaintext'), refKeyRef, fc.boolean()).map(([op, k, both]) => [op, both ? { KeyId: k, KeySpec: 'AES_256', NumberOfBytes: 32 } : { KeyId: k }]),
        fc.stringMatching(/^\w{1,20}$/).filter((n) => n !== 'default').map((n) => ['GetKeyPolicy', { KeyId: ref.keyId, PolicyName: n }]),
        fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,20}$/).map((s) => `alias/aws/${s}`), fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.constant('alias/'), fc.constant(ref.alias)).map((a) => ['CreateAlias', { AliasName: a, TargetKeyId: ref.keyId }]),
        fc.stringMatching(/^[a-z0-9-]{1,20}$/).map((s) => ['UpdateAlias', { AliasName: `alias/fz-unknown-${s}`, TargetKeyId: ref.keyId }]),
        fc.oneof(fc.string({ maxLength: 30 }).map((s) => `x${s}`), fc.constantFrom('{}', '[]', '{"Statement":null}', '{"Statement":"x"}', 'null', '1')).map((p) => ['PutKeyPolicy', { KeyId: ref.keyId, PolicyName: 'default', Policy: p }]),
        fc.tuple(refKeyRef, fc.constantFrom('RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE')).map(([k, alg]) => ['Encrypt', { KeyId: k, Plaintext: 'aGk=', EncryptionAlgorithm: alg }]),
        refKeyRef.map((k) => ['Encrypt', { KeyId: k, Plaintext: 'aGk=', DryRun: true }]),
        // The reference key is symmetric: no signing, no MACs, no public key, no SM2 key pairs.
        fc.constantFrom('Sign', 'Verify', 'GetPublicKey', 'GenerateMac', 'VerifyMac', 'GenerateDataKeyPair').map((op) => [op, { KeyId: ref.keyId, Message: 'aGk=', Mac: 'aGk=', Signature: 'aGk=', SigningAlgorithm: 'ECDSA_SHA_256', MacAlgorithm: 'HMAC_SHA_256', KeyPairSpec: 'SM2' }]),
        fc.constantFrom('GetParametersForImport', 'ImportKeyMaterial', 'DeleteImportedKeyMaterial').map((op) => [op, { KeyId: ref.keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048', ImportToken: 'aGk=', EncryptedKeyMaterial: 'aGk=', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }]),
        fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 31, max: 365 })).map((d) => ['ScheduleKeyDeletion', { KeyId: ref.keyId, PendingWindowInDays: d }]),
        refKeyRef.map((k) => ['ScheduleKeyDeletion', { KeyId: k === ref.keyId ? ref.alias : k === ref.arn ? `arn:aws:kms:${REGION}:${ACCOUNT}:${ref.alias}` : k }]),
        fc.oneof(fc.integer({ min: 1, max: 89 }), fc.integer({ min: 2561, max: 100_000 })).map((d) => ['EnableKeyRotation', { KeyId: ref.keyId, RotationPeriodInDays: d }]),
        fc.oneof(fc.constantFrom('aws:x', 'AWS:cost', 'aws:'), fc.constant('dup')).map((k) => ['TagResource', { KeyId: ref.keyId, Tags: k === 'dup' ? [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'a', TagValue: '2' }] : [{ TagKey: k, TagValue: 'v' }] }]),
        fc.constantFrom<Record<string, unknown>>(
          { KeySpec: 'RSA_2048' },
          { KeySpec: 'HMAC_256', KeyUsage: 'ENCRYPT_DECRYPT' },
          { KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'KEY_AGREEMENT' },
          { KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' },
          { KeyUsage: 'SIGN_VERIFY' },
          { KeyUsage: 'GENERATE_VERIFY_MAC' },
          { KeySpec: 'SYMMETRIC_DEFAULT', CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT' },
          { Origin: 'EXTERNAL_KEY_STORE' },
          { Origin: 'AWS_CLOUDHSM' },
          { CustomKeyStoreId: 'cks-1234567890abcdef0' },
          { Policy: '{}' },
          { Policy: 'not json' },
          { Tags: [{ TagKey: 'aws:owner', TagValue: 'x' }] },
          { Tags: [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'a', TagValue: '2' }] },
        ).map((body) => ['CreateKey', body]),
      );
      await check(requests, ([op, body]) => refused({ target: target(op), body: json(body) }), 3);
    }, TIMEOUT_MS);
  });

  describe('the HTTP envelope', () => {
    const wouldSucceed = fc.oneof<fc.Arbitrary<[string, Buffer]>[]>(
      fc.constant(['ListKeys', json({})]),
      fc.constant(['CreateKey', json({ Description: 'must never be created' })]),
      fc.constant(null).map(() => ['TagResource', json({ KeyId: ref.keyId, Tags: [{ TagKey: 'breach', TagValue: 'x' }] })]),
      fc.constant(null).map(() => ['Encrypt', json({ KeyId: ref.keyId, Plaintext: 'aGk=' })]),
    );

    it('should refuse unknown X-Amz-Target values', async () => {
      const known = new Set(OPERATIONS.map(target));
      const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
      const targets = fc
        .oneof(
          printable,
          printable.map((s) => `TrentService.${s}`),
          fc.constantFrom(...OPERATIONS).map((op) => `TrentService.${op.toLowerCase()}`),
          fc.constantFrom(...OPERATIONS).map((op) => `trentservice.${op}`),
          fc.constantFrom(...OPERATIONS).map((op) => `KMS.${op}`),
          fc.constantFrom(...OPERATIONS).map((op) => `TrentService..${op}`),
          fc.constantFrom(...OPERATIONS).map((op) => `TrentService.${op}X`),
          fc.constantFrom('TrentService', 'TrentService.', '.', 'TrentService.__proto__', 'TrentService.constructor', 'TrentService.toString', 'TrentService.hasOwnProperty', 'TrentService.AdvanceClock', 'TrentService.RotateKey', 'TrentService.DeleteKey', 'DynamoDB_20120810.ListTables'),
        )
        .filter((t) => !known.has(t.trim()));
      await check(fc.tuple(fc.option(targets, { freq: 10 }), wouldSucceed), async ([t, [, body]]) => {
        const error = await refused({ target: t, body });
        if (error.type !== 'UnknownOperationException') throw new Error(`expected UnknownOperationException for ${String(t)}, got ${error.type}`);
      });
    }, TIMEOUT_MS);

    it('should refuse requests whose Authorization header is missing or garbled', async () => {
      type Garble = (auth: string) => string | undefined;
      const garbles: fc.Arbitrary<Garble> = fc.oneof(
        fc.constant<Garble>(() => undefined),
        fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 200 }).map((s): Garble => () => s),
        fc.nat().map((at): Garble => (auth) => auth.slice(0, at % auth.length)),
        fc.tuple(fc.nat(), fc.nat(15)).map(([at, d]): Garble => (auth) => {
          const sig = auth.slice(auth.indexOf('Signature=') + 'Signature='.length);
          const i = at % sig.length;
          const flipped = ((parseInt(sig[i], 16) + 1 + (d % 15)) % 16).toString(16);
          return auth.slice(0, auth.length - sig.length) + sig.slice(0, i) + flipped + sig.slice(i + 1);
        }),
        fc.constantFrom<Garble>(
          (auth) => auth.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512'),
          (auth) => auth.replace('AWS4-HMAC-SHA256', 'aws4-hmac-sha256'),
          (auth) => auth.replace('Credential=test/', 'Credential=AKIANOBODY0000000000/'),
          (auth) => auth.replace('/us-east-1/', '/us-east-2/'),
          (auth) => auth.replace('/us-east-1/', '/nowhere/'),
          (auth) => auth.replace('/kms/', '/s3/'),
          (auth) => auth.replace('/aws4_request', '/aws5_request'),
          (auth) => auth.replace(/Credential=test\/\d{8}/, 'Credential=test/19990101'),
          (auth) => auth.replace(/SignedHeaders=[^,]*/, 'SignedHeaders=content-type;x-amz-date;x-amz-target'),
          (auth) => auth.replace(/SignedHeaders=([^,]*)/, 'SignedHeaders=$1;x-not-sent'),
          (auth) => auth.replace(/, SignedHeaders=[^,]*/, ''),
          (auth) => auth.replace(/, Signature=\w*/, ''),
          (auth) => auth.replace(/Credential=[^,]*, /, ''),
          (auth) => auth.replace(/Signature=\w*/, 'Signature='),
          (auth) => auth.replace(/Signature=(\w*)/, 'Signature=$1$1'),
          (auth) => auth.replace(/Credential=/, 'Credential=='),
          (auth) => auth.replace('AWS4-HMAC-SHA256 ', 'AWS4-HMAC-SHA256'),
          (auth) => `AWS test:${auth.slice(-20)}`,
          (auth) => `Bearer ${auth}`,
        ),
      );
      await check(fc.tuple(garbles, wouldSucceed), ([garble, [op, body]]) =>
        refused({
          target: target(op),
          body,
          tamper: (h) => {
            const name = Object.keys(h).find((n) => n.toLowerCase() === 'authorization')!;
            const value = garble(h[name]);
            delete h[name];
            if (value !== undefined) h.authorization = value;
          },
        }),
      );
    }, TIMEOUT_MS);

    it('should refuse a signature made over a different body', async () => {
      const other = fc.oneof(
        fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
        fc.constant(json({})),
        fittingBody('Encrypt').map(json),
      );
      await check(
        fc.tuple(wouldSucceed, other, fc.boolean()).filter(([[, body], signed]) => !body.equals(signed)),
        ([[op, body], signedBody, noContentHash]) => refused({ target: target(op), body, signing: { signedBody, noContentHash } }),
      );
    }, TIMEOUT_MS);

    it('should refuse signatures dated more than 15 minutes from now, either way', async () => {
      const MINUTE = 60_000;
      const offset = fc.oneof(
        fc.integer({ min: 16 * MINUTE, max: 3 * 24 * 60 * MINUTE }),
        fc.integer({ min: 16 * MINUTE, max: 20 * 365 * 24 * 60 * MINUTE }),
      );
      await check(fc.tuple(offset, fc.boolean(), wouldSucceed), async ([ms, past, [op, body]]) => {
        const date = new Date(Date.now() + (past ? -ms : ms));
        const error = await refused({ target: target(op), body, signing: { date } });
        if (error.type !== 'InvalidSignatureException') throw new Error(`expected InvalidSignatureException for ${date.toISOString()}, got ${error.type}: ${error.message}`);
      });
    }, TIMEOUT_MS);

    it('should refuse dates that are not dates, and signatures made with the wrong secret or scope', async () => {
      const wrongSigning = fc.oneof(
        fc.record({ credentials: fc.record({ accessKeyId: fc.constant('test'), secretAccessKey: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s !== 'test') }) }),
        fc.record({ credentials: fc.record({ accessKeyId: fc.stringMatching(/^[A-Z0-9]{4,20}$/), secretAccessKey: fc.constant('test') }) }),
        fc.record({ service: fc.constantFrom('s3', 'dynamodb', 'KMS', 'kms-fips') }),
        fc.record({ region: fc.constantFrom('us-east-2', 'eu-west-1', 'US-EAST-1', 'local', 'x') }),
      );
      const badDate = fc.constantFrom('20250230T120000Z', '2025-05-14T12:00:00Z', 'yesterday', '20250514T250000Z', '00000000T000000Z', '');
      await check(fc.tuple(fc.option(wrongSigning), badDate, wouldSucceed), ([signing, date, [op, body]]) =>
        refused({ target: target(op), body, signing: signing ?? {}, tamper: signing === null ? (h) => void (h['x-amz-date'] = date) : undefined }),
      );
    }, TIMEOUT_MS);
  });

  describe('the credential scope', () => {
    it('should refuse a request signed for another Region, however valid that Region', async () => {
      for (const region of ['eu-west-1', 'us-east-2', 'ap-southeast-2']) {
        const error = await refused({ target: target('CreateKey'), body: json({ Description: 'signed for another Region' }), signing: { region } });
        expect(error).toEqual({ type: 'InvalidSignatureException', message: `Credential should be scoped to a valid region, not '${region}'. ` });
      }
    });
  });

  describe('after the run', () => {
    it('should leave the node up, its log free of errors, its counters as before and the reference key working', async () => {
      expect(node.alive).toBe(true);
      expect(await counters()).toEqual(before);
      const errors = node
        .log()
        .split('\n')
        .filter((line) => /"level":(50|60)/.test(line));
      expect(errors).toEqual([]);

      const kms = node.client();
      try {
        const old = await kms.send(new DecryptCommand({ CiphertextBlob: ref.ciphertext, EncryptionContext: REF_CONTEXT }));
        expect(Buffer.from(old.Plaintext!)).toEqual(REF_PLAINTEXT);
        const sealed = await kms.send(new EncryptCommand({ KeyId: ref.alias, Plaintext: Buffer.from('after the fuzz') }));
        const opened = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
        expect(Buffer.from(opened.Plaintext!).toString()).toBe('after the fuzz');
        expect(opened.KeyId).toBe(ref.arn);
      } finally {
        kms.destroy();
      }
    });
  });
});
