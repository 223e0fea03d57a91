import { createPublicKey, KeyObject } from 'node:crypto';
import { generateWrappingKey, WrappingKeySpec } from './wrapping-key';
import { WrappingKeyPool } from './wrapping-key-pool';

/** A generator the test resolves by hand, handing out pre-made keys, so pool timing is scripted. */
function scriptedGenerator(keys: KeyObject[]) {
  const pending: { spec: WrappingKeySpec; resolve: (k: KeyObject) => void; reject: (e: Error) => void }[] = [];
  let next = 0;
  return {
    calls: [] as WrappingKeySpec[],
    pending,
    generate(spec: WrappingKeySpec): Promise<KeyObject> {
      this.calls.push(spec);
      return new Promise((resolve, reject) => pending.push({ spec, resolve, reject }));
    },
    /** Completes the oldest outstanding generation with the next key. */
    finish(): KeyObject {
      const key = keys[next++ % keys.length];
      pending.shift()!.resolve(key);
      return key;
    },
    fail(): void {
      pending.shift()!.reject(new Error('keygen failed'));
    },
  };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const spki = (key: KeyObject): Buffer => createPublicKey(key).export({ format: 'der', type: 'spki' });

describe(WrappingKeyPool.name, () => {
  describe('with the real generator', () => {
    let sut: WrappingKeyPool;
    afterEach(async () => {
      sut.close();
      await sut.settled();
    });

    it('hands out RSA private keys of the spec asked for, each one different', async () => {
      sut = new WrappingKeyPool({ specs: ['RSA_2048'] });

      const first = await sut.take('RSA_2048');
      const second = await sut.take('RSA_2048');

      for (const key of [first, second]) {
        expect(key.type).toBe('private');
        expect(key.asymmetricKeyType).toBe('rsa');
        expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
      }
      expect(spki(second)).not.toEqual(spki(first));
    });

    it('generates on demand for a spec it does not keep', async () => {
      sut = new WrappingKeyPool({ specs: [] });

      expect((await sut.take('RSA_2048')).asymmetricKeyDetails?.modulusLength).toBe(2048);
    });

    it('leaves nothing running once closed and settled', async () => {
      sut = new WrappingKeyPool({ specs: ['RSA_2048'] });
      sut.close();
      sut.close();

      await sut.settled();
      // Jest's open-handle check covers the rest: a generation still on the thread pool would keep the worker alive.
    });
  });

  describe('with a scripted generator', () => {
    let keys: KeyObject[];
    beforeAll(async () => {
      keys = await Promise.all([generateWrappingKey('RSA_2048'), generateWrappingKey('RSA_2048'), generateWrappingKey('RSA_2048')]);
    });

    it('starts one spare per spec at construction', () => {
      const gen = scriptedGenerator(keys);
      new WrappingKeyPool({ specs: ['RSA_2048', 'RSA_4096'], generate: (s) => gen.generate(s) }).close();

      expect(gen.calls).toEqual(['RSA_2048', 'RSA_4096']);
    });

    it('defaults to a spare of every spec', () => {
      const gen = scriptedGenerator(keys);
      new WrappingKeyPool({ generate: (s) => gen.generate(s) }).close();

      expect(gen.calls).toEqual(['RSA_2048', 'RSA_3072', 'RSA_4096']);
    });

    it('hands out the ready spare at once and only then starts its replacement', async () => {
      const gen = scriptedGenerator(keys);
      const sut = new WrappingKeyPool({ specs: ['RSA_4096'], generate: (s) => gen.generate(s) });
      const spare = gen.finish();
      await flush();
      expect(gen.calls).toHaveLength(1);

      await expect(sut.take('RSA_4096')).resolves.toBe(spare);
      expect(gen.calls).toEqual(['RSA_4096', 'RSA_4096']);
      sut.close();
    });

    it('lets a second concurrent take generate its own key rather than share the spare', async () => {
      const gen = scriptedGenerator(keys);
      const sut = new WrappingKeyPool({ specs: ['RSA_2048'], generate: (s) => gen.generate(s) });

      const first = sut.take('RSA_2048');
      const second = sut.take('RSA_2048');
      const spare = gen.finish();
      const own = gen.finish();

      await expect(first).resolves.toBe(spare);
      await expect(second).resolves.toBe(own);
      sut.close();
    });

    it('starts no generation after close(), drops the spare, and still serves take() on demand', async () => {
      const gen = scriptedGenerator(keys);
      const sut = new WrappingKeyPool({ specs: ['RSA_2048'], generate: (s) => gen.generate(s) });
      gen.finish();
      await flush();
      sut.close();

      const taken = sut.take('RSA_2048');
      const fresh = gen.finish();

      await expect(taken).resolves.toBe(fresh);
      expect(gen.calls).toHaveLength(2);
      expect(gen.pending).toHaveLength(0);
    });

    it('delivers a spare that was taken before close() finished generating it', async () => {
      const gen = scriptedGenerator(keys);
      const sut = new WrappingKeyPool({ specs: ['RSA_2048'], generate: (s) => gen.generate(s) });

      const taken = sut.take('RSA_2048');
      sut.close();
      const spare = gen.finish();

      await expect(taken).resolves.toBe(spare);
      expect(gen.calls).toHaveLength(1);
    });

    it('recovers from a failed background generation without an unhandled rejection', async () => {
      const gen = scriptedGenerator(keys);
      const sut = new WrappingKeyPool({ specs: ['RSA_2048'], generate: (s) => gen.generate(s) });
      gen.fail();
      await flush();

      const taken = sut.take('RSA_2048');
      await flush();
      sut.close();
      while (gen.pending.length > 1) gen.finish(); // the replacement spare, started after the failed one settled
      const own = gen.finish();

      await expect(taken).resolves.toBe(own);
    });

    it('treats a generator that throws like one that rejects', async () => {
      let first = true;
      const sut = new WrappingKeyPool({
        specs: ['RSA_2048'],
        generate: () => {
          if (first) {
            first = false;
            throw new Error('keygen failed');
          }
          return Promise.resolve(keys[0]);
        },
      });

      await expect(sut.take('RSA_2048')).resolves.toBe(keys[0]);
      sut.close();
      await sut.settled();
    });

    it('settled() waits for every generation it started', async () => {
      const gen = scriptedGenerator(keys);
      const sut = new WrappingKeyPool({ specs: ['RSA_2048', 'RSA_3072'], generate: (s) => gen.generate(s) });
      sut.close();
      let done = false;
      const settled = sut.settled().then(() => (done = true));

      gen.finish();
      await flush();
      expect(done).toBe(false);
      gen.finish();
      await settled;
      expect(done).toBe(true);
    });

    it('rejects specs it does not know', async () => {
      const gen = scriptedGenerator(keys);
      const sut = new WrappingKeyPool({ specs: [], generate: (s) => gen.generate(s) });

      expect(() => new WrappingKeyPool({ specs: ['RSA_1024' as WrappingKeySpec] })).toThrow(RangeError);
      await expect(sut.take('RSA_1024' as WrappingKeySpec)).rejects.toThrow(RangeError);
      expect(gen.calls).toHaveLength(0);
    });
  });
});
