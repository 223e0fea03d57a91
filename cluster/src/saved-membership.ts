import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ClusterError } from './cluster-error';
import { dataLayout } from './paths';
import type { NodeSpec, Topology } from './topology';

/**
 * A Region's members as `trent node add|remove` left them, kept in `<data>/<region>/members.json`.
 * The nodes' Raft logs hold the membership too, so a later `trent up` on the same data must start
 * exactly these nodes (on these ports), whatever `--nodes` or the topology file say.
 */
interface MembersFile {
  readonly region: string;
  readonly nodes: readonly NodeSpec[];
  readonly updatedAt: string;
}

export function saveMembership(dataDir: string, region: string, nodes: readonly NodeSpec[]): void {
  const file: MembersFile = { region, nodes: nodes.map(({ id, port, raftPort }) => ({ id, port, raftPort })), updatedAt: new Date().toISOString() };
  writeFileSync(dataLayout.membersFile(dataDir, region), `${JSON.stringify(file, null, 2)}\n`);
}

/**
 * The topology with every Region that has a saved membership laid out as saved; `notes` gets one
 * line per Region changed that way.
 */
export function applySavedMembership(topology: Topology, dataDir: string, notes: (line: string) => void): Topology {
  const regions = topology.regions.map((region) => {
    const path = dataLayout.membersFile(dataDir, region.name);
    if (!existsSync(path)) return region;
    let saved: MembersFile;
    try {
      saved = JSON.parse(readFileSync(path, 'utf8')) as MembersFile;
    } catch (err) {
      throw new ClusterError(`${path} is not valid JSON (${(err as Error).message}); fix it, or remove it together with ${region.name}'s node directories`);
    }
    const nodes = Array.isArray(saved.nodes) ? saved.nodes.filter((n) => typeof n?.id === 'string' && Number.isInteger(n.port) && Number.isInteger(n.raftPort)) : [];
    if (nodes.length === 0) throw new ClusterError(`${path} lists no nodes; remove it together with ${region.name}'s node directories to start afresh`);
    const same = nodes.length === region.nodes.length && nodes.every((n, i) => n.id === region.nodes[i].id && n.port === region.nodes[i].port && n.raftPort === region.nodes[i].raftPort);
    if (!same) notes(`${region.name}: starting its members from an earlier \`trent node add|remove\`: ${nodes.map((n) => `node-${n.id} :${n.port}`).join(', ')} (saved in ${path})`);
    return { ...region, nodes };
  });
  return { ...topology, regions };
}
