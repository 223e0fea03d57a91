import { Errors } from '../../errors/kms-errors';
import { KeyRecord } from '../../model/key-record';

export const DEFAULT_ROTATION_PERIOD_DAYS = 365;
/** AWS quota: on-demand rotations per key (not adjustable). */
export const MAX_ON_DEMAND_ROTATIONS = 25;

/** Rotation exists only for symmetric keys with AWS_KMS material. */
export function assertRotatable(key: KeyRecord, arn: string): void {
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') throw Errors.unsupported(`${arn} key spec is ${key.keySpec} which is not valid for this operation.`);
  if (key.origin !== 'AWS_KMS') throw Errors.originNotValid(arn, key.origin);
}

export function assertOnDemandQuota(count: number, arn: string): void {
  if (count >= MAX_ON_DEMAND_ROTATIONS) {
    throw Errors.limitExceeded(`The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${arn}`);
  }
}
