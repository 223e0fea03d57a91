import { generateKeyPair, KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * The RSA key specs GetParametersForImport offers for a wrapping key, in token-code order
 * (code = index + 1). Append only: the codes are stored in import tokens.
 */
export const WRAPPING_KEY_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096'] as const;
export type WrappingKeySpec = (typeof WRAPPING_KEY_SPECS)[number];

const MODULUS_BITS: Readonly<Record<WrappingKeySpec, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

const generateRsaKeyPair = promisify(generateKeyPair);

export const isWrappingKeySpec = (s: unknown): s is WrappingKeySpec => (WRAPPING_KEY_SPECS as readonly unknown[]).includes(s);

/**
 * A fresh RSA private key (public exponent 65537) for `spec`. Generated on libuv's thread pool, so
 * the event loop keeps serving while an RSA_4096 key takes its second or two.
 */
export async function generateWrappingKey(spec: WrappingKeySpec): Promise<KeyObject> {
  if (!isWrappingKeySpec(spec)) throw new RangeError(`unknown wrapping key spec ${String(spec)}`);
  const { privateKey } = await generateRsaKeyPair('rsa', { modulusLength: MODULUS_BITS[spec], publicExponent: 0x10001 });
  return privateKey;
}

/** The spec an RSA key object has, or `undefined` if it is not an RSA key of one of the offered sizes. */
export function wrappingKeySpecOf(key: KeyObject): WrappingKeySpec | undefined {
  if (key.asymmetricKeyType !== 'rsa') return undefined;
  const bits = key.asymmetricKeyDetails?.modulusLength;
  return WRAPPING_KEY_SPECS.find((spec) => MODULUS_BITS[spec] === bits);
}
