import { ClusterError, FailoverError, forceFailover, MRK_KEY_ID_PATTERN, REGION_NAME_PATTERN } from '@trent/cluster';
import { COMMON_OPTIONS, dataDirOf, parseCommandLine, stringOption } from '../args';
import { EXIT_OK, UsageError } from '../cli-error';
import { formatSeconds } from '../duration';
import type { CliIo } from '../io';
import { requireCluster, requireRegion } from '../running-cluster';
import { FAILOVER_USAGE } from '../usage';

const OPTIONS = { ...COMMON_OPTIONS, to: { type: 'string' }, force: { type: 'boolean' } } as const;

/**
 * `trent failover <mrk-key-id> --to <region> --force`: a DR drill beyond AWS. Asks a node of the
 * --to Region (`POST /_trent/mrk/failover`) to promote its replica of the key to primary in a
 * higher epoch, whether or not the current primary's Region is up.
 */
export async function failoverCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(args, OPTIONS, FAILOVER_USAGE, true);
  if (values.help) {
    io.out(FAILOVER_USAGE);
    return EXIT_OK;
  }
  const [keyId, ...extra] = positionals;
  if (keyId === undefined) throw new UsageError('say which multi-Region key, e.g. mrk-1234abcd12ab34cd56ef1234567890ab', FAILOVER_USAGE);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, FAILOVER_USAGE);
  if (!MRK_KEY_ID_PATTERN.test(keyId)) {
    const hint = keyId.startsWith('arn:') ? '; give the key id, not its ARN' : keyId.startsWith('mrk-') ? '' : '; only multi-Region keys (mrk-…) have replicas';
    throw new UsageError(`"${keyId}" is not a multi-Region key id (mrk- and 32 hex digits)${hint}`, FAILOVER_USAGE);
  }
  const to = stringOption(values, 'to');
  if (to === undefined) throw new UsageError('say which Region becomes primary: --to <region>, e.g. --to eu-west-1', FAILOVER_USAGE);
  if (!REGION_NAME_PATTERN.test(to)) throw new UsageError(`--to: "${to}" is not a Region name; use e.g. eu-west-1`, FAILOVER_USAGE);
  if (!values.force) {
    throw new UsageError(
      `failover needs --force: it is a DR drill that AWS KMS does not have. The AWS way to move a primary is\n` +
        `  aws kms update-primary-region --key-id ${keyId} --primary-region ${to}\n` +
        `which needs the primary's Region up. \`trent failover --force\` promotes the replica\n` +
        `in ${to} with a higher epoch even while the primary's Region is down; the old primary demotes itself when it returns.`,
      FAILOVER_USAGE,
    );
  }

  const record = requireCluster(dataDirOf(values));
  const nodes = requireRegion(record, to).map((node) => ({ id: node.nodeId, url: node.url }));
  const started = Date.now();
  let result;
  try {
    result = await forceFailover(nodes, keyId);
  } catch (err) {
    if (!(err instanceof FailoverError)) throw err;
    const who = err.node ? `${to} node-${err.node}` : to;
    throw new ClusterError(`failover of ${keyId} to ${to} refused by ${who}: ${err.code}: ${err.message}`);
  }
  const previous = result.previousPrimaryRegion === result.primaryRegion ? 'it already was' : `was ${result.previousPrimaryRegion}`;
  const demotion =
    result.previousPrimaryRegion === result.primaryRegion
      ? ''
      : ` ${result.previousPrimaryRegion} demotes its copy to a replica when it sees epoch ${result.epoch}.`;
  io.out(
    `${keyId}: ${result.primaryRegion} is now the primary Region (epoch ${result.epoch}; ${previous}), ` +
      `by ${to} node-${result.node} in ${formatSeconds(Date.now() - started)}.${demotion}`,
  );
  return EXIT_OK;
}
