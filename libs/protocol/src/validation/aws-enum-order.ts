/**
 * The order in which AWS lists an enum's values in "Member must satisfy enum value set: [...]".
 *
 * AWS does not print the model's order (nor an alphabetical one); the lists below are copied
 * from responses recorded against AWS. Keyed by model shape name, so `keySpec` of CreateKey
 * (shape KeySpec) and `keySpec` of GenerateDataKey (shape DataKeySpec) stay apart.
 * Values the model has but a recording lacks (added to KMS after the recording, or, for SM2,
 * China-only) are printed after the recorded ones in model order: that tail is not confirmed.
 * An enum without an entry here is printed in model order (not confirmed either).
 */
export const AWS_ENUM_DISPLAY_ORDER: Readonly<Record<string, readonly string[]>> = {
  // LocalStack test_kms.snapshot.json, test_invalid_generate_mac[HMAC_256-INVALID] (recorded 2023-04-13).
  MacAlgorithmSpec: ['HMAC_SHA_384', 'HMAC_SHA_256', 'HMAC_SHA_224', 'HMAC_SHA_512'],
  // Same snapshot, test_hmac_create_key_invalid_operations "create-hmac-key-invalid-spec" (2023-04-13);
  // also boto/boto3#3428 (2022). Predates SM2 in commercial Regions, ML-DSA and Ed25519.
  KeySpec: [
    'RSA_2048',
    'ECC_NIST_P384',
    'ECC_NIST_P256',
    'ECC_NIST_P521',
    'HMAC_384',
    'RSA_3072',
    'ECC_SECG_P256K1',
    'RSA_4096',
    'SYMMETRIC_DEFAULT',
    'HMAC_256',
    'HMAC_224',
    'HMAC_512',
  ],
  // Same snapshot, "create-hmac-key-invalid-key-usage" (2023-04-13); predates KEY_AGREEMENT.
  KeyUsageType: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC'],
};
