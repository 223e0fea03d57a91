import { KmsError } from '@trent/protocol';
import { Errors } from '../../errors/kms-errors';
import { keyArn } from '../../model/arn';
import { KeyRecord } from '../../model/key-record';
import { KmsContext, RequestScope } from '../../kms-context';
import { Command, CommandBody } from '../../state/command';
import { ApplyContext } from '../../state/kms-state-machine';
import { StateWriter } from '../../state/kms-state';
import { assertKeyStateAllows, RuledOperation } from '../../rules/key-state-rules';
import { resolveKey } from './key-resolver';

/** One AWS action. `input` has passed shape validation (blobs are Buffers). */
export interface KmsOperation {
  readonly name: string;
  /** True for the rare action that never looks at the Region's state (GenerateRandom). */
  readonly stateless?: boolean;
  /**
   * Runs after the read barrier (see KmsService.execute): the state it reads holds every write
   * the Region acknowledged before the request arrived, so its checks are linearizable too.
   */
  handle(ctx: KmsContext, scope: RequestScope, input: Record<string, any>): Promise<Record<string, unknown>>;
}

/** Proposes a write and waits until it is committed and applied; an error result is thrown as AWS's error. */
export async function commit(ctx: KmsContext, scope: RequestScope, body: CommandBody): Promise<any> {
  const cmd: Command = { requestId: scope.requestId, now: ctx.clock.now(), accountId: scope.caller.accountId, body };
  const result = await ctx.log.propose(cmd);
  if (!result.ok) throw new KmsError(result.code, result.message);
  return result.value;
}

/** In apply: the key a command names, in the state it has now, checked against the key-state table. */
export function keyForApply(w: StateWriter, cmd: Command, ctx: ApplyContext, keyId: string, operation?: RuledOperation): KeyRecord {
  const arn = keyArn(ctx.region, cmd.accountId, keyId);
  const key = w.state.key(cmd.accountId, keyId);
  if (!key) throw Errors.keyNotFound(arn);
  if (operation) assertKeyStateAllows(operation, key, arn);
  return key;
}

/** DryRun=true: every check passed, so AWS answers DryRunOperationException instead of doing the work. */
export function assertNotDryRun(input: { DryRun?: boolean }): void {
  if (input.DryRun === true) throw new KmsError('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The key a KeyId names and its ARN, checked against the key-state table for `operation`. Aliases
 * count only where AWS accepts them (crypto operations, DescribeKey); elsewhere a key id or ARN.
 */
export function usableKey(ctx: KmsContext, scope: RequestScope, keyRef: string, operation: RuledOperation, opts: { allowAlias: boolean } = { allowAlias: false }): { key: KeyRecord; arn: string } {
  const key = resolveKey(ctx.state, ctx.region, scope.caller.accountId, keyRef, opts);
  const arn = keyArn(ctx.region, key.accountId, key.keyId);
  assertKeyStateAllows(operation, key, arn);
  return { key, arn };
}
