import { KmsError } from '@trent/protocol';

/** "default" is the only key policy name AWS knows. */
export function assertDefaultPolicyName(name: string | undefined): void {
  if (name !== undefined && name !== 'default') throw new KmsError('NotFoundException', 'No such policy exists');
}
