import { CancelKeyDeletion } from './cancel-key-deletion/cancel-key-deletion.operation';
import { CreateAlias } from './create-alias/create-alias.operation';
import { CreateKey } from './create-key/create-key.operation';
import { Decrypt } from './decrypt/decrypt.operation';
import { DeleteAlias } from './delete-alias/delete-alias.operation';
import { DescribeKey } from './describe-key/describe-key.operation';
import { DisableKey } from './disable-key/disable-key.operation';
import { DisableKeyRotation } from './disable-key-rotation/disable-key-rotation.operation';
import { EnableKey } from './enable-key/enable-key.operation';
import { EnableKeyRotation } from './enable-key-rotation/enable-key-rotation.operation';
import { Encrypt } from './encrypt/encrypt.operation';
import { GenerateDataKey } from './generate-data-key/generate-data-key.operation';
import { GenerateDataKeyWithoutPlaintext } from './generate-data-key-without-plaintext/generate-data-key-without-plaintext.operation';
import { GenerateRandom } from './generate-random/generate-random.operation';
import { GetKeyPolicy } from './get-key-policy/get-key-policy.operation';
import { GetKeyRotationStatus } from './get-key-rotation-status/get-key-rotation-status.operation';
import { ListAliases } from './list-aliases/list-aliases.operation';
import { ListKeyPolicies } from './list-key-policies/list-key-policies.operation';
import { ListKeyRotations } from './list-key-rotations/list-key-rotations.operation';
import { ListKeys } from './list-keys/list-keys.operation';
import { ListResourceTags } from './list-resource-tags/list-resource-tags.operation';
import { PutKeyPolicy } from './put-key-policy/put-key-policy.operation';
import { ReEncrypt } from './re-encrypt/re-encrypt.operation';
import { DeleteImportedKeyMaterial } from './delete-imported-key-material/delete-imported-key-material.operation';
import { DeriveSharedSecret } from './derive-shared-secret/derive-shared-secret.operation';
import { GenerateDataKeyPair } from './generate-data-key-pair/generate-data-key-pair.operation';
import { GenerateDataKeyPairWithoutPlaintext } from './generate-data-key-pair-without-plaintext/generate-data-key-pair-without-plaintext.operation';
import { GenerateMac } from './generate-mac/generate-mac.operation';
import { GetParametersForImport } from './get-parameters-for-import/get-parameters-for-import.operation';
import { GetPublicKey } from './get-public-key/get-public-key.operation';
import { ImportKeyMaterial } from './import-key-material/import-key-material.operation';
import { Sign } from './sign/sign.operation';
import { Verify } from './verify/verify.operation';
import { VerifyMac } from './verify-mac/verify-mac.operation';
import { ReplicateKey } from './replicate-key/replicate-key.operation';
import { RotateKeyOnDemand } from './rotate-key-on-demand/rotate-key-on-demand.operation';
import { ScheduleKeyDeletion } from './schedule-key-deletion/schedule-key-deletion.operation';
import { KmsOperation } from './shared/operation';
import { TagResource } from './tag-resource/tag-resource.operation';
import { UntagResource } from './untag-resource/untag-resource.operation';
import { UpdateAlias } from './update-alias/update-alias.operation';
import { UpdateKeyDescription } from './update-key-description/update-key-description.operation';
import { UpdatePrimaryRegion } from './update-primary-region/update-primary-region.operation';

/** The AWS actions Trent implements, by name. */
export const OPERATIONS: ReadonlyMap<string, KmsOperation> = new Map(
  [
    CreateKey, DescribeKey, ListKeys, UpdateKeyDescription, EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion,
    Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, GenerateRandom,
    CreateAlias, UpdateAlias, DeleteAlias, ListAliases,
    TagResource, UntagResource, ListResourceTags,
    GetKeyPolicy, PutKeyPolicy, ListKeyPolicies,
    EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand, ListKeyRotations,
    ReplicateKey, UpdatePrimaryRegion,
    Sign, Verify, GetPublicKey, GenerateMac, VerifyMac, DeriveSharedSecret, GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext,
    GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial,
  ].map((op) => [op.name, op]),
);
