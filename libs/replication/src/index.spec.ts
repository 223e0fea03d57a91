import * as replication from '@trent/replication';

describe('@trent/replication', () => {
  it('should resolve through the path alias and expose the replicator and its status', () => {
    expect(replication.Replicator).toBeDefined();
    expect(replication.DISABLED_REPLICATION_STATUS).toEqual({ enabled: false });
    expect(replication.replicationSubject('eu-west-1')).toBe('trent.repl.eu-west-1');
    expect(replication.replicationQueue('eu-west-1')).toBe('trent-repl-eu-west-1');
  });
});
