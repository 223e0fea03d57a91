import { Gateway } from '@trent/cluster';

/**
 * The one-endpoint gateway (cluster/src/gateway.ts) in its own process, as `trent up` runs it in the
 * supervisor: in front of one node of us-east-1, whose port comes as the first argument.
 */
async function main(): Promise<void> {
  const nodePort = Number(process.argv[2]);
  const gateway = new Gateway({ host: '127.0.0.1', port: 0, regions: [{ name: 'us-east-1', nodes: [{ id: '1', port: nodePort }] }] });
  await gateway.listen();
  process.send!({ ready: String(gateway.port) });
}

process.on('disconnect', () => process.exit(0));
main().catch((e: Error) => {
  process.stderr.write(`gateway: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
