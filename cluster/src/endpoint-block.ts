import type { ClusterRecord } from './cluster-record';
import type { Identity } from './identities';
import { displayPath } from './paths';

/**
 * What a user needs once Trent is up: the endpoint, the nodes behind it, working credentials and
 * commands to paste. Printed by `trent up` in both foreground and detached mode.
 */
export function formatEndpointBlock(record: ClusterRecord, identity: Identity, foreground: boolean): string {
  const endpoint = record.gateway.url;
  const regions = [...new Set(record.nodes.map((node) => node.region))];
  const firstRegion = regions[0];
  const width = Math.max(...record.nodes.map((node) => node.region.length));
  const lines = [
    '',
    'Trent is ready.',
    '',
    `  Endpoint     ${endpoint}   (every Region; the Region comes from the request's SigV4 scope)`,
    `  Regions      ${regions.join(', ')}`,
    ...record.nodes.map(
      (node, index) =>
        `  ${index === 0 ? 'Nodes' : '     '}        ${node.region.padEnd(width)}  node-${node.nodeId}  ${node.url}  (pid ${node.pid})`,
    ),
    ...(record.nats ?? []).map(
      (nats, index) => `  ${index === 0 ? 'NATS' : '    '}         ${nats.region.padEnd(width)}  ${nats.url}  (pid ${nats.pid}, gateways :${nats.gatewayPort})`,
    ),
    `  Credentials  access key ${identity.accessKeyId} / secret ${identity.secretAccessKey}` +
      (identity.accountId ? `  (account ${identity.accountId})` : ''),
    `  Data         ${displayPath(record.dataDir)}   logs in ${displayPath(record.dataDir)}/logs/`,
    '',
    '  Try it:',
    `    export AWS_ENDPOINT_URL=${endpoint} AWS_ACCESS_KEY_ID=${identity.accessKeyId} ` +
      `AWS_SECRET_ACCESS_KEY=${identity.secretAccessKey} AWS_REGION=${firstRegion}`,
    `    aws --endpoint-url ${endpoint} --region ${firstRegion} kms list-keys`,
    '',
    foreground
      ? '  Press Ctrl-C to stop (or run `trent down` from another shell).'
      : `  Running in the background; stop it with \`trent down${dataFlag(record.dataDir)}\`.`,
  ];
  return lines.join('\n');
}

function dataFlag(dataDir: string): string {
  const shown = displayPath(dataDir);
  return shown === '.trent' ? '' : ` --data ${shown}`;
}
