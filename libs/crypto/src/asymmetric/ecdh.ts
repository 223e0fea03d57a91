import { createPublicKey, diffieHellman, KeyObject } from 'node:crypto';
import { DerError, parseSpki, readWhole, TAG, decodeOid } from './der';
import { KeySpec } from './key-specs';
import { EC_CURVES, preparePrivateKey } from './prepared-keys';

export type SharedSecretResult = { ok: true; secret: Buffer } | { ok: false; reason: 'malformed' | 'wrong-curve' | 'invalid-point' };

const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1'; // id-ecPublicKey, RFC 5480 §2.1.1

/**
 * ECDH between this KEY_AGREEMENT key (P-256/P-384/P-521) and a peer SPKI DER public key; the secret
 * is the raw x-coordinate (as node:crypto diffieHellman returns), length of the field size.
 * `malformed`: not DER SPKI; `wrong-curve`: a well-formed key of another algorithm or curve;
 * `invalid-point`: the right curve but a point OpenSSL refuses (not on the curve, infinity).
 */
export function deriveSharedSecret(spec: KeySpec, material: Buffer, peerPublicKey: Buffer): SharedSecretResult {
  const curve = EC_CURVES[spec];
  if (!curve || spec === 'ECC_SECG_P256K1') throw new RangeError(`${spec} keys cannot agree keys`);
  const key = preparePrivateKey(spec, material);

  let curveOid: string;
  try {
    const spki = parseSpki(peerPublicKey);
    if (spki.algorithm.oid !== EC_PUBLIC_KEY_OID) return { ok: false, reason: 'wrong-curve' };
    if (!spki.algorithm.parameters) return { ok: false, reason: 'malformed' };
    const params = spki.algorithm.parameters;
    if (params[0] !== TAG.OID) return { ok: false, reason: 'wrong-curve' }; // explicit or implicit curve parameters
    curveOid = decodeOid(readWhole(params, TAG.OID));
  } catch (e) {
    if (e instanceof DerError) return { ok: false, reason: 'malformed' };
    throw e;
  }
  if (curveOid !== curve.oid) return { ok: false, reason: 'wrong-curve' };

  let peer: KeyObject;
  try {
    peer = createPublicKey({ key: peerPublicKey, format: 'der', type: 'spki' });
  } catch {
    return { ok: false, reason: 'invalid-point' };
  }
  try {
    return { ok: true, secret: diffieHellman({ privateKey: key.keyObject!, publicKey: peer }) };
  } catch {
    return { ok: false, reason: 'invalid-point' };
  }
}
