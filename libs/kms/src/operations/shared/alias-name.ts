import { Errors } from '../../errors/kms-errors';

/** AWS alias rules beyond the shape's pattern: the alias/ prefix, and alias/aws/ reserved for AWS managed keys. */
export function assertAliasName(name: string): void {
  if (!name.startsWith('alias/') || name.length <= 'alias/'.length) throw Errors.invalidAliasName(`Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`);
  if (name.startsWith('alias/aws/')) throw Errors.invalidAliasName(`Alias names that begin with "alias/aws/" are reserved.`);
}
