import { IdentityStore } from '../src/identity';
import { SigningKeyCache } from '../src/signing-key-cache';
import { IncomingSignedRequest, SigV4Verifier } from '../src/sigv4-verifier';
import { DEV_CREDENTIALS, kmsRequest, SIGNED_AT, signWithHeader } from '../src/testing/sdk-signed-request';

/**
 * verify() on the hot path, with the signing-key cache against a baseline in the same run that
 * derives the key every time (two callers alternating through a one-entry cache).
 * Opt in: BENCH=1 npx jest libs/auth/bench
 */
const bench = process.env.BENCH ? describe : describe.skip;
const ROUNDS = 20_000;

function opsPerSecond(run: () => void): number {
  for (let i = 0; i < 1_000; i++) run();
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) run();
  return Math.round(ROUNDS / (Number(process.hrtime.bigint() - start) / 1e9));
}

bench(`${SigV4Verifier.name} throughput`, () => {
  it('should be faster with the signing-key cache than without', async () => {
    const other = { accessKeyId: 'other', secretAccessKey: 'other-secret' };
    const identities = IdentityStore.fromConfig([
      { ...DEV_CREDENTIALS, accountId: '000000000000', principalArn: 'arn:aws:iam::000000000000:root' },
      { ...other, accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:root' },
    ]);
    const requests: IncomingSignedRequest[] = [await signWithHeader(kmsRequest()), await signWithHeader(kmsRequest(), { credentials: other })];
    const now = () => SIGNED_AT;

    const cached = new SigV4Verifier(identities, now);
    const uncached = new SigV4Verifier(identities, now, { signingKeys: new SigningKeyCache(1) });
    let i = 0;
    const withCache = opsPerSecond(() => cached.verify(requests[i++ % 2] as IncomingSignedRequest));
    const baseline = opsPerSecond(() => uncached.verify(requests[i++ % 2] as IncomingSignedRequest));

    console.log(`verify: ${withCache} ops/s with cache, ${baseline} ops/s deriving every key (x${(withCache / baseline).toFixed(2)})`);
    expect(withCache).toBeGreaterThan(baseline);
  });
});
