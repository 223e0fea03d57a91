import { applyForcePromote, applyMrkAck, applyMrkGone, applyMrkGoneDone, applyMrkSync } from '../mrk/mrk-apply';
import { ApplierTable } from '../state/kms-state-machine';
import { applyAdvanceClock } from './advance-clock/advance-clock.apply';
import { applyCancelKeyDeletion } from './cancel-key-deletion/cancel-key-deletion.operation';
import { applyCreateAlias } from './create-alias/create-alias.operation';
import { applyCreateKey } from './create-key/create-key.operation';
import { applyDeleteAlias } from './delete-alias/delete-alias.operation';
import { applyDeleteImportedKeyMaterial, applyExpireKeyMaterial } from './delete-imported-key-material/delete-imported-key-material.operation';
import { applyImportKeyMaterial } from './import-key-material/import-key-material.operation';
import { applyDeleteKey } from './delete-key/delete-key.apply';
import { applyDisableKey } from './disable-key/disable-key.operation';
import { applyDisableKeyRotation } from './disable-key-rotation/disable-key-rotation.operation';
import { applyEnableKey } from './enable-key/enable-key.operation';
import { applyEnableKeyRotation } from './enable-key-rotation/enable-key-rotation.operation';
import { applyPutKeyPolicy } from './put-key-policy/put-key-policy.operation';
import { applyReplicateKey } from './replicate-key/replicate-key.operation';
import { applyRotateKey } from './rotate-key/rotate-key.apply';
import { applyScheduleKeyDeletion } from './schedule-key-deletion/schedule-key-deletion.operation';
import { applyTagResource } from './tag-resource/tag-resource.operation';
import { applyUntagResource } from './untag-resource/untag-resource.operation';
import { applyUpdateAlias } from './update-alias/update-alias.operation';
import { applyUpdateKeyDescription } from './update-key-description/update-key-description.operation';
import { applyMrkProbe, applyUpdatePrimaryRegion } from './update-primary-region/update-primary-region.operation';

/** Every command type and the deterministic function that applies it. */
export const APPLIERS: ApplierTable = {
  CreateKey: applyCreateKey,
  UpdateKeyDescription: applyUpdateKeyDescription,
  EnableKey: applyEnableKey,
  DisableKey: applyDisableKey,
  ScheduleKeyDeletion: applyScheduleKeyDeletion,
  CancelKeyDeletion: applyCancelKeyDeletion,
  DeleteKey: applyDeleteKey,
  CreateAlias: applyCreateAlias,
  UpdateAlias: applyUpdateAlias,
  DeleteAlias: applyDeleteAlias,
  TagResource: applyTagResource,
  UntagResource: applyUntagResource,
  PutKeyPolicy: applyPutKeyPolicy,
  EnableKeyRotation: applyEnableKeyRotation,
  DisableKeyRotation: applyDisableKeyRotation,
  RotateKey: applyRotateKey,
  AdvanceClock: applyAdvanceClock,
  ImportKeyMaterial: applyImportKeyMaterial,
  DeleteImportedKeyMaterial: applyDeleteImportedKeyMaterial,
  ExpireKeyMaterial: applyExpireKeyMaterial,
  ReplicateKey: applyReplicateKey,
  UpdatePrimaryRegion: applyUpdatePrimaryRegion,
  MrkProbe: applyMrkProbe,
  MrkSync: applyMrkSync,
  MrkAck: applyMrkAck,
  MrkGone: applyMrkGone,
  MrkGoneDone: applyMrkGoneDone,
  ForcePromote: applyForcePromote,
};
