import { KmsError } from '@trent/protocol';
import { KEY_STATES, KeyState } from '../model/key-record';
import { assertKeyStateAllows, KEY_STATE_RULE_GROUPS, RuledOperation } from './key-state-rules';

const ARN = 'arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555';

/**
 * The AWS developer guide's key-state table, written out cell by cell (independently of the
 * compact table in the code) as `state: expected` per operation: 'ok' or "<error code>: <message suffix>".
 */
const X3 = 'KMSInvalidStateException: is pending deletion.';
const X3r = 'KMSInvalidStateException: is pending replica deletion.';
const X4 = 'KMSInvalidStateException: is not pending deletion.';
const X5 = 'KMSInvalidStateException: is pending import.';
const X1 = 'DisabledException: is disabled.';
const X6 = 'UnsupportedOperationException: origin is EXTERNAL which is not valid for this operation.';
const X11 = 'KMSInvalidStateException: is unavailable.';
const X14 = 'KMSInvalidStateException: is creating.';
const X15 = 'KMSInvalidStateException: is updating.';
type Expect = Record<KeyState, string>;
const e = (En: string, Di: string, PD: string, PRD: string, PI: string, Un: string, Cr: string, Up: string): Expect => ({
  Enabled: En, Disabled: Di, PendingDeletion: PD, PendingReplicaDeletion: PRD, PendingImport: PI, Unavailable: Un, Creating: Cr, Updating: Up,
});

const EXPECTED: Record<RuledOperation, Expect> = {
  CancelKeyDeletion: e(X4, X4, 'ok', 'ok', X4, X4, X4, X4),
  CreateAlias: e('ok', 'ok', X3, X3r, 'ok', 'ok', 'ok', 'ok'),
  Encrypt: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  Decrypt: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  ReEncrypt: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  GenerateDataKey: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  GenerateDataKeyWithoutPlaintext: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  GenerateDataKeyPair: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  GenerateDataKeyPairWithoutPlaintext: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  Sign: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  Verify: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  GenerateMac: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  VerifyMac: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  GetPublicKey: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  DeriveSharedSecret: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  DeleteAlias: e('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  DescribeKey: e('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  GetKeyPolicy: e('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  ListAliases: e('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  ListGrants: e('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  ListKeyPolicies: e('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  ListResourceTags: e('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  PutKeyPolicy: e('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  RetireGrant: e('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  RevokeGrant: e('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  ListKeyRotations: e('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  EnableKey: e('ok', 'ok', X3, X3r, X5, 'ok', X14, X15),
  DisableKey: e('ok', 'ok', X3, X3r, X5, 'ok', X14, X15),
  EnableKeyRotation: e('ok', X1, X3, X3r, X6, X11, X14, 'ok'),
  DisableKeyRotation: e('ok', X1, X3, X3r, X6, X11, X14, 'ok'),
  RotateKeyOnDemand: e('ok', X1, X3, X3r, X6, X11, X14, 'ok'),
  GetKeyRotationStatus: e('ok', 'ok', 'ok', 'ok', X6, X11, 'ok', 'ok'),
  ScheduleKeyDeletion: e('ok', 'ok', X3, X3r, 'ok', 'ok', 'ok', X15),
  TagResource: e('ok', 'ok', X3, X3r, 'ok', 'ok', 'ok', 'ok'),
  UntagResource: e('ok', 'ok', X3, X3r, 'ok', 'ok', 'ok', 'ok'),
  UpdateKeyDescription: e('ok', 'ok', X3, X3r, 'ok', 'ok', 'ok', 'ok'),
  UpdateAlias: e('ok', 'ok', X3, X3r, 'ok', 'ok', 'ok', 'ok'),
  // Unavailable is N/A in AWS's table for these two; Trent answers as for crypto.
  ReplicateKey: e('ok', X1, X3, X3r, X5, X11, X14, X15),
  UpdatePrimaryRegion: e('ok', X1, X3, X3r, X5, X11, X14, 'ok'),
  // [8]: for a key with imported material (the origin check, [9], is the operation's).
  GetParametersForImport: e('ok', 'ok', X3, X3r, 'ok', X11, X14, X15),
  ImportKeyMaterial: e('ok', 'ok', X3, X3r, 'ok', X11, X14, 'ok'),
  DeleteImportedKeyMaterial: e('ok', 'ok', 'ok', 'ok', 'ok', X11, X14, X15),
};

describe(assertKeyStateAllows.name, () => {
  const operations = Object.values(KEY_STATE_RULE_GROUPS).flat() as RuledOperation[];

  it('should cover exactly the operations of the expectation table', () => {
    expect([...operations].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  const cases = operations.flatMap((op) => KEY_STATES.map((state) => [op, state] as const));
  it.each(cases)('%s on a %s key', (op, state) => {
    const expected = EXPECTED[op][state];
    const origin = state === 'PendingImport' ? 'EXTERNAL' : 'AWS_KMS';
    const run = () => assertKeyStateAllows(op, { state, origin }, ARN);
    if (expected === 'ok') {
      expect(run).not.toThrow();
      return;
    }
    const [code, suffix] = expected.split(': ');
    try {
      run();
      throw new Error(`expected ${code}`);
    } catch (err) {
      expect(err).toBeInstanceOf(KmsError);
      expect((err as KmsError).code).toBe(code);
      expect((err as KmsError).message).toBe(`${ARN} ${suffix}`);
    }
  });
});
