import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterError } from './cluster-error';
import { applySavedMembership, saveMembership } from './saved-membership';
import { layOut } from './topology';

describe(applySavedMembership.name, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trent-members-'));
    mkdirSync(join(dir, 'us-east-1'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should leave a Region without a saved membership as laid out', () => {
    const topology = layOut('127.0.0.1', 4566, ['us-east-1'], [3]);
    const notes: string[] = [];
    expect(applySavedMembership(topology, dir, (n) => notes.push(n))).toEqual(topology);
    expect(notes).toEqual([]);
  });

  it('should start the members that node add and remove left, and say so', () => {
    saveMembership(dir, 'us-east-1', [
      { id: '2', port: 4568, raftPort: 5568 },
      { id: '4', port: 4570, raftPort: 5570 },
    ]);
    const notes: string[] = [];
    const sut = applySavedMembership(layOut('127.0.0.1', 4566, ['us-east-1'], [3]), dir, (n) => notes.push(n));
    expect(sut.regions[0].nodes.map((n) => n.id)).toEqual(['2', '4']);
    expect(notes[0]).toContain('node-2 :4568, node-4 :4570');
  });

  it('should refuse a damaged members file with a way out', () => {
    writeFileSync(join(dir, 'us-east-1', 'members.json'), '{');
    expect(() => applySavedMembership(layOut('127.0.0.1', 4566, ['us-east-1'], [3]), dir, () => undefined)).toThrow(ClusterError);
  });
});
