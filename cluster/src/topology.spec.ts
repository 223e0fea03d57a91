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
  it('should load the shipped default: us-east-1, one node, gateway on 4566', () => {
    const sut = loadTopology(defaultTopologyFile());
    expect(sut).toEqual({ host: '127.0.0.1', gateway: { port: 4566 }, regions: [{ name: 'us-east-1', nodes: [{ id: '1', port: 4567 }] }] });
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

  it('should accept --nodes 1 and refuse more, saying Raft is not implemented yet', () => {
    expect(applyOverrides(base, { nodes: 1 }).regions[0].nodes).toHaveLength(1);
    expect(problemsOf(() => applyOverrides(base, { nodes: 3 }))).toMatch(/multi-node Regions \(Raft\) are not implemented yet/);
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

describe(parseRegionList.name, () => {
  it('should split on commas and drop blanks', () => {
    expect(parseRegionList(' us-east-1, eu-west-1,,')).toEqual(['us-east-1', 'eu-west-1']);
  });
});
