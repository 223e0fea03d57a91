import { KmsError } from '@trent/protocol';
import { Errors } from '../errors/kms-errors';
import { KeyState } from '../model/key-record';

/**
 * What a key state does to an operation: allowed, or the AWS error it raises. Derived from the
 * key-state table of the AWS KMS developer guide ("Key states of AWS KMS keys"); footnote numbers
 * of that page are given where a cell refers to one.
 */
type Outcome =
  | 'ok'
  | 'disabled' // [1] DisabledException
  | 'pendingDeletion' // [2]/[3] KMSInvalidStateException (AWS answers this for crypto on a PendingDeletion key)
  | 'notPendingDeletion' // [4]
  | 'pendingImport' // [5]
  | 'originExternal' // [6] UnsupportedOperationException
  | 'unavailable' // [11]
  | 'creating' // [14]
  | 'updating'; // [15]

/** Operations grouped as the AWS table groups them. */
export const KEY_STATE_RULE_GROUPS = {
  CancelKeyDeletion: ['CancelKeyDeletion'],
  CreateAlias: ['CreateAlias'],
  Cryptographic: ['Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext'],
  SignMac: ['Sign', 'Verify', 'GenerateMac', 'VerifyMac', 'GetPublicKey', 'DeriveSharedSecret'],
  AlwaysAllowed: ['DeleteAlias', 'DescribeKey', 'GetKeyPolicy', 'ListAliases', 'ListGrants', 'ListKeyPolicies', 'ListResourceTags', 'PutKeyPolicy', 'RetireGrant', 'RevokeGrant', 'ListKeyRotations'],
  EnableDisable: ['EnableKey', 'DisableKey'],
  Rotation: ['EnableKeyRotation', 'DisableKeyRotation', 'RotateKeyOnDemand'],
  GetKeyRotationStatus: ['GetKeyRotationStatus'],
  ScheduleKeyDeletion: ['ScheduleKeyDeletion'],
  Metadata: ['TagResource', 'UntagResource', 'UpdateKeyDescription'],
  UpdateAliasTarget: ['UpdateAlias'],
  ReplicateKey: ['ReplicateKey'],
  UpdatePrimaryRegion: ['UpdatePrimaryRegion'],
  GetParametersForImport: ['GetParametersForImport'],
  ImportKeyMaterial: ['ImportKeyMaterial'],
  DeleteImportedKeyMaterial: ['DeleteImportedKeyMaterial'],
} as const;

export type RuleGroup = keyof typeof KEY_STATE_RULE_GROUPS;
export type RuledOperation = (typeof KEY_STATE_RULE_GROUPS)[RuleGroup][number];

type Row = Record<KeyState, Outcome>;
const row = (
  Enabled: Outcome,
  Disabled: Outcome,
  PendingDeletion: Outcome,
  PendingImport: Outcome,
  Unavailable: Outcome,
  Creating: Outcome,
  Updating: Outcome,
): Row => ({ Enabled, Disabled, PendingDeletion, PendingReplicaDeletion: PendingDeletion, PendingImport, Unavailable, Creating, Updating });

//                                         Enabled   Disabled     PendingDel.        PendingImport    Unavailable    Creating    Updating
export const KEY_STATE_TABLE: Record<RuleGroup, Row> = {
  CancelKeyDeletion: row('notPendingDeletion', 'notPendingDeletion', 'ok', 'notPendingDeletion', 'notPendingDeletion', 'notPendingDeletion', 'notPendingDeletion'),
  CreateAlias: row('ok', 'ok', 'pendingDeletion', 'ok', 'ok', 'ok', 'ok'),
  Cryptographic: row('ok', 'disabled', 'pendingDeletion', 'pendingImport', 'unavailable', 'creating', 'ok'),
  SignMac: row('ok', 'disabled', 'pendingDeletion', 'pendingImport', 'unavailable', 'creating', 'ok'),
  AlwaysAllowed: row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  EnableDisable: row('ok', 'ok', 'pendingDeletion', 'pendingImport', 'ok', 'creating', 'updating'),
  Rotation: row('ok', 'disabled', 'pendingDeletion', 'originExternal', 'unavailable', 'creating', 'ok'),
  GetKeyRotationStatus: row('ok', 'ok', 'ok', 'originExternal', 'unavailable', 'ok', 'ok'),
  ScheduleKeyDeletion: row('ok', 'ok', 'pendingDeletion', 'ok', 'ok', 'ok', 'updating'),
  Metadata: row('ok', 'ok', 'pendingDeletion', 'ok', 'ok', 'ok', 'ok'),
  // [10] UpdateAlias fails only when the *new target* is pending deletion; the old target's state does not matter.
  UpdateAliasTarget: row('ok', 'ok', 'pendingDeletion', 'ok', 'ok', 'ok', 'ok'),
  // Unavailable is N/A in AWS's table (multi-Region keys are never in a custom key store).
  ReplicateKey: row('ok', 'disabled', 'pendingDeletion', 'pendingImport', 'unavailable', 'creating', 'updating'),
  UpdatePrimaryRegion: row('ok', 'disabled', 'pendingDeletion', 'pendingImport', 'unavailable', 'creating', 'ok'),
  // [9] a key whose origin is not EXTERNAL fails these before its state matters (checked by the operations).
  GetParametersForImport: row('ok', 'ok', 'pendingDeletion', 'ok', 'unavailable', 'creating', 'updating'),
  ImportKeyMaterial: row('ok', 'ok', 'pendingDeletion', 'ok', 'unavailable', 'creating', 'ok'),
  DeleteImportedKeyMaterial: row('ok', 'ok', 'ok', 'ok', 'unavailable', 'creating', 'updating'),
};

const GROUP_OF = new Map<string, RuleGroup>(
  (Object.entries(KEY_STATE_RULE_GROUPS) as [RuleGroup, readonly string[]][]).flatMap(([g, ops]) => ops.map((op) => [op, g] as const)),
);

export function keyStateOutcome(operation: RuledOperation, state: KeyState): Outcome {
  return KEY_STATE_TABLE[GROUP_OF.get(operation)!][state];
}

/** Throws AWS's error when `operation` may not run on a key in `state`. */
export function assertKeyStateAllows(operation: RuledOperation, key: { state: KeyState; origin: string }, arn: string): void {
  const outcome = keyStateOutcome(operation, key.state);
  if (outcome !== 'ok') throw outcomeError(outcome, key, arn);
}

function outcomeError(outcome: Exclude<Outcome, 'ok'>, key: { state: KeyState; origin: string }, arn: string): KmsError {
  switch (outcome) {
    case 'disabled':
      return Errors.disabled(arn);
    case 'pendingDeletion':
      return key.state === 'PendingReplicaDeletion' ? Errors.pendingReplicaDeletion(arn) : Errors.pendingDeletion(arn);
    case 'notPendingDeletion':
      return Errors.notPendingDeletion(arn);
    case 'pendingImport':
      return Errors.pendingImport(arn);
    case 'originExternal':
      return Errors.originNotValid(arn, key.origin);
    case 'unavailable':
      return Errors.unavailable(arn);
    case 'creating':
      return Errors.creating(arn);
    case 'updating':
      return Errors.updating(arn);
    default: {
      const unreachable: never = outcome;
      throw new Error(`unhandled key-state outcome ${String(unreachable)}`);
    }
  }
}
