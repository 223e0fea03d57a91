import { Errors } from '../../errors/kms-errors';

/** AWS alias rules beyond the shape's pattern: the alias/ prefix, and alias/aws/ reserved for AWS managed keys. */
export function assertAliasName(name: string): void {
  // AWS answers a missing prefix with ValidationException, not InvalidAliasNameException
  // (LocalStack test_kms.snapshot.json, TestKMS::test_create_alias, recorded against AWS).
  if (!name.startsWith('alias/') || name.length <= 'alias/'.length) throw Errors.validation(`Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`);
  if (name.startsWith('alias/aws/')) throw Errors.invalidAliasName(`Alias names that begin with "alias/aws/" are reserved.`);
}
