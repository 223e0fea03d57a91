import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelKvStore } from './level-kv-store';

describe(LevelKvStore.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'trent-kv-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should write a batch atomically and read it back after reopening', async () => {
    let sut = await LevelKvStore.open(dir);
    await sut.batch([{ type: 'put', key: 'k/a', value: { n: 1 } }, { type: 'put', key: 'k/b', value: 'x' }, { type: 'put', key: 'z', value: 0 }], { sync: true });
    await sut.batch([{ type: 'del', key: 'k/a' }], { sync: false });
    await sut.close();

    sut = await LevelKvStore.open(dir);
    const seen: [string, unknown][] = [];
    for await (const e of sut.scan('k/')) seen.push(e);
    expect(seen).toEqual([['k/b', 'x']]);
    expect(await sut.get('z')).toBe(0);
    expect(await sut.get('k/a')).toBeUndefined();
    await sut.close();
  });
});
