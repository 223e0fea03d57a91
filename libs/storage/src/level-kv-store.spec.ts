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

  it('should keep raw byte values beside JSON ones in one batch', async () => {
    let sut = await LevelKvStore.open(dir);
    const bytes = Uint8Array.from([0, 255, 7, 128]);
    await sut.batch([{ type: 'put', key: 'b/1', bytes }, { type: 'put', key: 'j', value: { n: 2 } }], { sync: true });
    await sut.close();
    sut = await LevelKvStore.open(dir);
    const seen: [string, Uint8Array][] = [];
    for await (const e of sut.scanBytes('b/')) seen.push(e);
    expect(seen.map(([k, v]) => [k, [...v]])).toEqual([['b/1', [0, 255, 7, 128]]]);
    expect(await sut.get('j')).toEqual({ n: 2 });
    await sut.close();
  });
});
