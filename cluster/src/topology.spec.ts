import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterError } from './cluster-error';
import { defaultTopologyFile } from './paths';
import {
  applyOverrides,
  layOut,
  loadTopology,
  parseRegionList,
  parseTopology,
  portsOf,
  topologyWarnings,
  validateTopology,
  type Topology,
} from './topology';

const base: Topology = layOut('127.0.0.1', 4566, ['us-east-1'], [1]);

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ClusterError);
    return (err as Error).message;
  }
  throw new Error('expected a ClusterError');
}

describe(loadTopology.name, () => {
  it('should load the shipped default: three Regions of three nodes, each with its NATS, gateway on 4566', () => {
    const sut = loadTopology(defaultTopologyFile());
    expect(sut).toEqual(layOut('127.0.0.1', 4566, ['us-east-1', 'us-west-2', 'eu-west-1'], [3, 3, 3]));
    expect(sut.regions.map((region) => [region.name, region.nodes.map((node) => node.port), region.nats])).toEqual([
      ['us-east-1', [4567, 4568, 4569], { port: 6566, gatewayPort: 7566, monitorPort: 8566 }],
      ['us-west-2', [4570, 4571, 4572], { port: 6567, gatewayPort: 7567, monitorPort: 8567 }],
      ['eu-west-1', [4573, 4574, 4575], { port: 6568, gatewayPort: 7568, monitorPort: 8568 }],
    ]);
  });

  it('should name the file when it is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trent-topology-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{ regions: ');
    try {
      expect(problemsOf(() => loadTopology(file))).toContain(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe(parseTopology.name, () => {
  it('should hold several Regions of several nodes (the model is N-ready)', () => {
    const json = {
      gateway: { port: 5000 },
      regions: [
        { name: 'us-east-1', nodes: [{ id: '1', port: 5001 }] },
        { name: 'eu-west-1', nodes: [{ id: '1', port: 5002 }] },
      ],
    };
    expect(parseTopology(json).regions.map((region) => region.name)).toEqual(['us-east-1', 'eu-west-1']);
  });

  it('should list every problem at once', () => {
    const message = problemsOf(() =>
      parseTopology({
        regions: [
          { name: 'Moon-1', nodes: [{ id: '1', port: 4566 }] },
          { name: 'eu-west-1', nodes: [{ id: '1', port: 70000 }] },
        ],
      }),
    );
    expect(message).toContain('"Moon-1" is not a Region name');
    expect(message).toContain('port 4566 is already used by the gateway');
    expect(message).toContain('port 70000 is not a TCP port');
  });

  it('should default each Raft port to the node port + 1000 and keep one the file sets', () => {
    const sut = parseTopology({
      regions: [{ name: 'us-east-1', nodes: [{ id: '1', port: 6001 }, { id: '2', port: 6002, raftPort: 7777 }, { id: '3', port: 6003 }] }],
    });
    expect(sut.regions[0].nodes.map((node) => node.raftPort)).toEqual([7001, 7777, 7003]);
  });

  it('should refuse a Raft port that collides with any other port', () => {
    const message = problemsOf(() =>
      parseTopology({
        gateway: { port: 6000 },
        regions: [
          { name: 'us-east-1', nodes: [{ id: '1', port: 6001, raftPort: 6000 }, { id: '2', port: 6002, raftPort: 6001 }] },
          { name: 'eu-west-1', nodes: [{ id: '1', port: 6003, raftPort: 7000 }, { id: '2', port: 7000 }] },
        ],
      }),
    );
    expect(message).toContain('us-east-1 node-1: Raft port 6000 is already used by the gateway');
    expect(message).toContain('us-east-1 node-2: Raft port 6001 is already used by us-east-1 node-1');
    expect(message).toContain('eu-west-1 node-2: port 7000 is already used by eu-west-1 node-1 (Raft)');
    const shape = problemsOf(() => parseTopology({ regions: [{ name: 'us-east-1', nodes: [{ id: '1', port: 6004, raftPort: 'x' }] }] }));
    expect(shape).toContain('regions[0].nodes[0].raftPort must be a number');
  });

  it('should refuse a Raft port past 65535', () => {
    expect(problemsOf(() => parseTopology({ regions: [{ name: 'us-east-1', nodes: [{ id: '1', port: 65000 }] }] }))).toContain(
      'us-east-1 node-1: Raft port 66000 is not a TCP port',
    );
  });

  it('should default each Region\'s NATS ports from the gateway port and its index, and keep those the file sets', () => {
    const sut = parseTopology({
      gateway: { port: 6000 },
      regions: [
        { name: 'us-east-1', nodes: [{ id: '1', port: 6001 }] },
        { name: 'eu-west-1', nodes: [{ id: '1', port: 6002 }], nats: { port: 4222, monitorPort: 8222 } },
      ],
    });
    expect(sut.regions.map((region) => region.nats)).toEqual([
      { port: 8000, gatewayPort: 9000, monitorPort: 10000 },
      { port: 4222, gatewayPort: 9001, monitorPort: 8222 },
    ]);
  });

  it('should refuse NATS ports that collide, are out of range or are not numbers', () => {
    const message = problemsOf(() =>
      parseTopology({
        gateway: { port: 6000 },
        regions: [
          { name: 'us-east-1', nodes: [{ id: '1', port: 6001 }], nats: { port: 6001, gatewayPort: 70000 } },
          { name: 'eu-west-1', nodes: [{ id: '1', port: 6002 }], nats: { port: 4222, gatewayPort: 4222, monitorPort: 7002 } },
        ],
      }),
    );
    expect(message).toContain('us-east-1 NATS: client port 6001 is already used by us-east-1 node-1');
    expect(message).toContain('us-east-1 NATS: gateway port 70000 is not a TCP port');
    expect(message).toContain('eu-west-1 NATS: gateway port 4222 is already used by eu-west-1 NATS');
    expect(message).toContain('eu-west-1 NATS: monitoring port 7002 is already used by eu-west-1 node-1 (Raft)');
    const shape = problemsOf(() => parseTopology({ regions: [{ name: 'us-east-1', nodes: [{ id: '1', port: 6004 }], nats: { port: '4222', tls: true } }] }));
    expect(shape).toContain('regions[0].nats.port must be a number');
    expect(shape).toContain('regions[0].nats has an unknown field "tls"');
    expect(problemsOf(() => parseTopology({ regions: [{ name: 'us-east-1', nodes: [{ id: '1', port: 6004 }], nats: 4222 }] }))).toContain(
      'regions[0].nats must be an object like {"port": 6566, "gatewayPort": 7566, "monitorPort": 8566}',
    );
  });

  it('should reject unknown fields but allow $comment', () => {
    expect(() => parseTopology({ $comment: 'hi', regions: [{ name: 'us-east-1', nodes: [{ id: '1', port: 1 }] }] })).not.toThrow();
    expect(problemsOf(() => parseTopology({ region: [] }))).toContain('unknown field "region"');
  });
});

describe(applyOverrides.name, () => {
  it('should return the topology unchanged without overrides', () => {
    expect(applyOverrides(base, {})).toBe(base);
  });

  it('should lay node ports out after the gateway port, in Region order', () => {
    const sut = applyOverrides(base, { regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'], port: 7000 });
    expect(sut.gateway.port).toBe(7000);
    expect(sut.regions.map((region) => [region.name, region.nodes.map((node) => [node.id, node.port])])).toEqual([
      ['us-east-1', [['1', 7001]]],
      ['eu-west-1', [['1', 7002]]],
      ['ap-southeast-2', [['1', 7003]]],
    ]);
  });

  it('should keep the file gateway port when only Regions change', () => {
    const sut = applyOverrides(base, { regions: ['eu-west-1', 'us-west-2'] });
    expect(sut.regions.flatMap((region) => region.nodes.map((node) => node.port))).toEqual([4567, 4568]);
  });

  it('should lay out --nodes 3 per Region, each Raft port 1000 above its node port', () => {
    const sut = applyOverrides(base, { regions: ['us-east-1', 'eu-west-1'], nodes: 3 });
    expect(sut.regions.map((region) => region.nodes.map((node) => [node.id, node.port, node.raftPort]))).toEqual([
      [['1', 4567, 5567], ['2', 4568, 5568], ['3', 4569, 5569]],
      [['1', 4570, 5570], ['2', 4571, 5571], ['3', 4572, 5572]],
    ]);
    expect(portsOf(sut)).toEqual([
      4566,
      ...[4567, 5567, 4568, 5568, 4569, 5569, 6566, 7566, 8566],
      ...[4570, 5570, 4571, 5571, 4572, 5572, 6567, 7567, 8567],
    ]);
  });

  it('should move the NATS ports with --port', () => {
    const sut = applyOverrides(base, { regions: ['us-east-1', 'eu-west-1'], port: 30000 });
    expect(sut.regions.map((region) => region.nats)).toEqual([
      { port: 32000, gatewayPort: 33000, monitorPort: 34000 },
      { port: 32001, gatewayPort: 33001, monitorPort: 34001 },
    ]);
  });

  it('should accept up to 7 nodes per Region and refuse more', () => {
    expect(applyOverrides(base, { nodes: 7 }).regions[0].nodes).toHaveLength(7);
    expect(problemsOf(() => applyOverrides(base, { nodes: 8 }))).toBe(
      'Region us-east-1 asks for 8 nodes; a Region has at most 7 (odd counts: 1, 3, 5 or 7)',
    );
  });

  it.each([
    [{ regions: ['us-east-1', 'moon'] }, '"moon" is not a Region name'],
    [{ regions: ['us-east-1', 'us-east-1'] }, 'Region us-east-1 is listed twice'],
    [{ regions: [] }, '--regions names no Region'],
    [{ nodes: 0 }, '--nodes must be a whole number of at least 1'],
    [{ port: 0 }, '--port must be a TCP port'],
    [{ port: 65535 }, 'port 65536 is not a TCP port'],
  ])('should reject %j', (overrides, expected) => {
    expect(problemsOf(() => applyOverrides(base, overrides))).toContain(expected);
  });

  it('should accept four-part Region names such as us-gov-west-1', () => {
    expect(applyOverrides(base, { regions: ['us-gov-west-1'] }).regions[0].name).toBe('us-gov-west-1');
  });
});

describe(validateTopology.name, () => {
  it('should find nothing wrong with the default layout', () => {
    expect(validateTopology(base)).toEqual([]);
  });
});

describe(topologyWarnings.name, () => {
  it('should warn about even node counts only', () => {
    const sut = applyOverrides(base, { regions: ['us-east-1'], nodes: 4 });
    expect(topologyWarnings(sut)).toEqual([
      'Region us-east-1 has 4 nodes: a majority is 3, so it survives 1 failure, like 3 nodes; odd counts are recommended',
    ]);
    expect(topologyWarnings(applyOverrides(base, { nodes: 2 }))[0]).toContain('survives 0 failures, like 1 node;');
    expect(topologyWarnings(applyOverrides(base, { nodes: 3 }))).toEqual([]);
    expect(topologyWarnings(base)).toEqual([]);
  });
});

describe(parseRegionList.name, () => {
  it('should split on commas and drop blanks', () => {
    expect(parseRegionList(' us-east-1, eu-west-1,,')).toEqual(['us-east-1', 'eu-west-1']);
  });
});
