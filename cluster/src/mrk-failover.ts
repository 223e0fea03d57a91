import { describeNetworkError } from './cluster-status';
import { requestJson } from './http-json';

/** `mrk-` and 32 lowercase hex digits: a multi-Region key's id (AWS's own pattern). */
export const MRK_KEY_ID_PATTERN = /^mrk-[0-9a-f]{32}$/;

/** The node's answer to `POST /_trent/mrk/failover` when the promotion went through. */
export interface FailoverResult {
  readonly keyId: string;
  readonly region: string;
  readonly primaryRegion: string;
  readonly epoch: number;
  readonly previousPrimaryRegion: string;
}

/** One node the failover may be sent to. */
export interface FailoverTarget {
  readonly id: string;
  readonly url: string;
}

/** A failover the Region refused (`code` is AWS's error name) or could not be asked. */
export class FailoverError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The node that answered, when one did. */
    readonly node?: string,
  ) {
    super(message);
    this.name = 'FailoverError';
  }
}

/** How long a failover keeps trying while nodes answer 409 (no leader yet, or not the leader). */
const FAILOVER_RETRY_MS = 10_000;
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * The forced promotion of a DR drill, beyond AWS: has the Region of `nodes` make its replica of
 * `keyId` the primary in a higher epoch (the old primary demotes itself when it sees that epoch).
 * Each node is tried in turn until one answers; a 409 (not the leader, an election, a change in
 * flight) or no answer moves on to the next and, once all were tried, round again for up to 10 s.
 * Any other answer decides: 200 is the result, 4xx/5xx `{code, message}` a {@link FailoverError}.
 */
export async function forceFailover(
  nodes: readonly FailoverTarget[],
  keyId: string,
  retryMs = FAILOVER_RETRY_MS,
): Promise<FailoverResult & { readonly node: string }> {
  const deadline = Date.now() + retryMs;
  const tried: string[] = [];
  for (let round = 0; ; round++) {
    for (const node of nodes) {
      let res;
      try {
        res = await requestJson<Partial<FailoverResult> & { code?: string; message?: string }>(`${node.url}/_trent/mrk/failover`, {
          method: 'POST',
          body: { keyId },
          timeoutMs: REQUEST_TIMEOUT_MS,
        });
      } catch (err) {
        tried[nodes.indexOf(node)] = `node-${node.id}: ${describeNetworkError(err)}`;
        continue;
      }
      const body = typeof res.body === 'object' && res.body !== null ? res.body : {};
      const message = typeof body.message === 'string' ? body.message : `HTTP ${res.status}`;
      if (res.status === 200) return { ...(body as FailoverResult), node: node.id };
      if (res.status === 409) {
        tried[nodes.indexOf(node)] = `node-${node.id}: ${message}`;
        continue;
      }
      if (res.status === 404 && typeof body.code !== 'string') {
        throw new FailoverError(
          'UnsupportedOperationException',
          `node-${node.id} has no POST /_trent/mrk/failover route (a build from before multi-Region keys? \`npm run build\`)`,
          node.id,
        );
      }
      throw new FailoverError(typeof body.code === 'string' ? body.code : `HTTP ${res.status}`, message, node.id);
    }
    if (Date.now() > deadline || nodes.length === 0) {
      const views = tried.filter(Boolean).join('; ') || 'it has no running node';
      throw new FailoverError('KMSInternalException', `no node could carry out the failover (${views})`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, 100 * (round + 1))));
  }
}
