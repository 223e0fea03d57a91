import { KeyRecord } from '../../model/key-record';
import { KmsContext, RequestScope } from '../../kms-context';
import { commit } from './operation';

const PROBE_WAIT_MS = 2_000;
const PROBE_POLL_MS = 10;

/**
 * A replica's own changes (DisableKey there, material imported there) are not sent to the primary
 * on their own. This asks: it raises the primary's version, so every replica answers with its
 * current state, and waits until `regions` have (at most ctx.mrkProbeWaitMs, default 2 s; with 0
 * it does not wait). A Region that does not answer in time is judged by what it last said.
 */
export async function probeReplicas(ctx: KmsContext, scope: RequestScope, key: KeyRecord, regions: readonly string[]): Promise<void> {
  const { version } = await commit(ctx, { ...scope, requestId: `${scope.requestId}/probe` }, { type: 'MrkProbe', keyId: key.keyId });
  const deadline = Date.now() + (ctx.mrkProbeWaitMs ?? PROBE_WAIT_MS);
  while (Date.now() < deadline) {
    const mrk = ctx.state.key(key.accountId, key.keyId)?.mrk;
    if (!mrk || mrk.role !== 'PRIMARY') return;
    const waiting = regions.some((region) => {
      const replica = mrk.replicas.find((r) => r.region === region);
      return replica !== undefined && (replica.ackedEpoch !== mrk.epoch || (replica.ackedVersion ?? 0) < version);
    });
    if (!waiting) return;
    await new Promise((resolve) => setTimeout(resolve, PROBE_POLL_MS));
  }
}
