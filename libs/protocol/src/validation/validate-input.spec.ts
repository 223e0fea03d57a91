import fc from 'fast-check';

import { KmsError } from '../errors/kms-error';
import { KMS_INPUT_SHAPES, KMS_OPERATION_NAMES } from '../shapes/kms-input-shapes';
import { validateInput } from './validate-input';

const sut = validateInput;

/** Runs the validator and returns the KmsError it throws. */
function failure(operation: string, input: unknown): KmsError {
  try {
    sut(operation, input);
  } catch (e) {
    if (e instanceof KmsError) return e;
    throw e;
  }
  throw new Error(`${operation} accepted ${JSON.stringify(input)}`);
}

const b64 = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64');
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';

describe(validateInput.name, () => {
  describe('constraint texts recorded against AWS', () => {
    // LocalStack tests/aws/services/kms/test_kms.snapshot.json, test_generate_random_invalid_number_of_bytes.
    it('reports an integer below its minimum', () => {
      const e = failure('GenerateRandom', { NumberOfBytes: 0 });
      expect(e.code).toBe('ValidationException');
      expect(e.message).toBe(
        "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
      );
    });

    it('reports an integer above its maximum', () => {
      expect(failure('GenerateRandom', { NumberOfBytes: 1025 }).message).toBe(
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
      );
    });

    it('answers a GenerateRandom without NumberOfBytes as the service does, although the model leaves it optional', () => {
      const e = failure('GenerateRandom', {});
      expect(e.code).toBe('ValidationException');
      expect(e.message).toBe('NumberOfBytes is required.');
    });

    // Same snapshot, test_plaintext_size_for_encrypt: the sensitive value is left out.
    it('reports a sensitive blob above its maximum without its value', () => {
      expect(failure('Encrypt', { KeyId: KEY, Plaintext: b64(4097) }).message).toBe(
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
      );
    });

    // stelligent/mu#382 (a real KMS answer).
    it('reports a string below its minimum length', () => {
      expect(failure('DescribeKey', { KeyId: '' }).message).toBe(
        "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    });

    // Same snapshot, test_invalid_generate_mac[HMAC_256-INVALID]: AWS's own order of the values.
    it('reports a value outside an enum in the order AWS prints the set', () => {
      const input = { KeyId: KEY, Message: b64(3), MacAlgorithm: 'INVALID' };
      expect(failure('GenerateMac', input).message).toBe(
        "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]",
      );
    });

    // Same snapshot, test_hmac_create_key_invalid_operations. The recording predates the values
    // after HMAC_512 (SM2 onwards), whose place in AWS's list is not confirmed.
    it('lists recorded enum values first and newer model values after them', () => {
      expect(failure('CreateKey', { KeySpec: 'HMAC_random' }).message).toBe(
        "1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512, SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519]",
      );
      expect(failure('CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'RANDOM' }).message).toBe(
        "1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT]",
      );
    });
  });

  describe('constraint texts in AWS form, not recorded for KMS', () => {
    it('reports a pattern mismatch with the model pattern', () => {
      expect(failure('CreateAlias', { AliasName: 'alias/has space', TargetKeyId: KEY }).message).toBe(
        "1 validation error detected: Value 'alias/has space' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
      );
    });

    it('matches patterns against the whole value, with Java meanings of \\s', () => {
      const base = { KeyId: KEY, ImportToken: b64(4), EncryptedKeyMaterial: b64(4) };
      expect(sut('ImportKeyMaterial', { ...base, KeyMaterialDescription: 'first material\t2025' })).toBeDefined();
      expect(failure('ImportKeyMaterial', { ...base, KeyMaterialDescription: 'no\u00a0break' }).message).toContain(
        "at 'keyMaterialDescription' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_\\s.-]+$",
      );
      expect(failure('CreateCustomKeyStore', { CustomKeyStoreName: 'n', XksProxyVpcEndpointServiceOwner: 'x123456789012' }).message).toContain(
        "at 'xksProxyVpcEndpointServiceOwner' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]{12}",
      );
    });

    it('reports missing required members as null, sensitive ones without a value, in model order', () => {
      expect(failure('Encrypt', {}).message).toBe(
        "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; " +
          "Value at 'plaintext' failed to satisfy constraint: Member must not be null",
      );
    });

    it('treats an explicit null as an absent member', () => {
      expect(failure('DescribeKey', { KeyId: null }).message).toBe(
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
      );
      expect(sut('ListKeys', { Limit: null, Marker: null })).toEqual({});
    });

    it('names members of a list of structures by 1-based index and "member"', () => {
      const input = { Tags: [{ TagKey: 'ok', TagValue: '' }, { TagKey: 'k'.repeat(129), TagValue: 'v' }, { TagKey: 'x' }] };
      expect(failure('CreateKey', input).message).toBe(
        '2 validation errors detected: ' +
          `Value '${'k'.repeat(129)}' at 'tags.2.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128; ` +
          "Value null at 'tags.3.member.tagValue' failed to satisfy constraint: Member must not be null",
      );
    });

    it('names members of a nested structure by dotted path and keeps sensitive values out', () => {
      const input = {
        CustomKeyStoreName: 'store',
        XksProxyAuthenticationCredential: { AccessKeyId: 'SHORT', RawSecretAccessKey: 'a'.repeat(43) },
      };
      expect(failure('CreateCustomKeyStore', input).message).toBe(
        "1 validation error detected: Value at 'xksProxyAuthenticationCredential.accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 20",
      );
    });

    it('reports a list above its maximum length with the list', () => {
      const tokens = Array.from({ length: 11 }, (_, i) => `t${i}`);
      expect(failure('DescribeKey', { KeyId: KEY, GrantTokens: tokens }).message).toBe(
        `1 validation error detected: Value '[${tokens.join(', ')}]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10`,
      );
    });

    it('reports constraints on list members once, at the list', () => {
      expect(failure('DescribeKey', { KeyId: KEY, GrantTokens: ['ok', ''] }).message).toBe(
        "1 validation error detected: Value '[ok, ]' at 'grantTokens' failed to satisfy constraint: Member must satisfy constraint: " +
          '[Member must have length less than or equal to 8192, Member must have length greater than or equal to 1]',
      );
      expect(failure('CreateGrant', { KeyId: KEY, GranteePrincipal: 'p', Operations: ['Encrypt', 'Fly'] }).message).toContain(
        "Value '[Encrypt, Fly]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [Decrypt, Encrypt,",
      );
    });

    it('prints a blob value as the Java buffer AWS decoded it into', () => {
      expect(failure('Decrypt', { CiphertextBlob: '' }).message).toBe(
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    });

    it('applies blob lengths to the decoded bytes', () => {
      expect(sut('Encrypt', { KeyId: KEY, Plaintext: b64(4096) })).toBeDefined();
      expect(failure('Decrypt', { CiphertextBlob: b64(6145) }).message).toContain('lim=6145 cap=6145');
    });

    it('lists at most ten violations', () => {
      const Tags = Array.from({ length: 12 }, () => ({ TagKey: '' }));
      const e = failure('TagResource', { KeyId: KEY, Tags });
      expect(e.message.startsWith('10 validation errors detected: ')).toBe(true);
      expect(e.message.split('; ')).toHaveLength(10);
    });

    it('refuses an encryption context holding an unpaired surrogate, key or value, anywhere it appears', () => {
      // Trent's own rule and text: such a context has no UTF-8 form, and libs/crypto refuses it.
      expect(failure('Encrypt', { KeyId: KEY, Plaintext: b64(1), EncryptionContext: { a: '\ud800' } }).message).toBe(
        "1 validation error detected: Value '{a=\ud800}' at 'encryptionContext' failed to satisfy constraint: Map value must satisfy constraint: [Member must not contain unpaired UTF-16 surrogates]",
      );
      expect(failure('Decrypt', { CiphertextBlob: b64(1), EncryptionContext: { 'x\udc00': 'b' } }).message).toContain(
        "at 'encryptionContext' failed to satisfy constraint: Map keys must satisfy constraint: [Member must not contain unpaired UTF-16 surrogates]",
      );
      const constraints = { EncryptionContextSubset: { a: 'ok', b: '\udbff' } };
      expect(failure('CreateGrant', { KeyId: KEY, GranteePrincipal: 'p', Operations: ['Decrypt'], Constraints: constraints }).code).toBe('ValidationException');
      expect(sut('Encrypt', { KeyId: KEY, Plaintext: b64(1), EncryptionContext: { '\ud83d\ude00': 'paired \ud83d\ude00' } })).toBeDefined();
    });

    it('checks the model before the service-level requirement', () => {
      expect(failure('GenerateRandom', { CustomKeyStoreId: '' }).message).toBe(
        "1 validation error detected: Value '' at 'customKeyStoreId' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    });
  });

  describe('serialization errors', () => {
    it.each([
      ['a string for an integer', 'GenerateRandom', { NumberOfBytes: '5' }, 'STRING_VALUE can not be converted to an Integer'],
      ['a number for a string', 'DescribeKey', { KeyId: 5 }, 'NUMBER_VALUE can not be converted to a String'],
      ['a boolean for a string', 'DescribeKey', { KeyId: true }, 'BOOLEAN_VALUE can not be converted to a String'],
      ['a string for a boolean', 'Encrypt', { KeyId: KEY, Plaintext: b64(1), DryRun: 'true' }, 'STRING_VALUE can not be converted to a Boolean'],
      ['a number for a blob', 'Decrypt', { CiphertextBlob: 1 }, 'NUMBER_VALUE can not be converted to a Blob'],
      ['a string for a timestamp', 'ImportKeyMaterial', { ValidTo: 'tomorrow' }, 'STRING_VALUE can not be converted to a Timestamp'],
      ['an object for a string', 'DescribeKey', { KeyId: {} }, 'Start of structure or map found where not expected.'],
      ['a list for a string', 'DescribeKey', { KeyId: [] }, 'Start of list found where not expected'],
      ['an object for a list', 'DescribeKey', { GrantTokens: {} }, 'Start of structure or map found where not expected.'],
      ['a string for a list', 'CreateKey', { Tags: 'x' }, 'Expected list or null'],
      ['a list for a map', 'Encrypt', { EncryptionContext: [] }, 'Start of list found where not expected'],
      ['a string for a map', 'Encrypt', { EncryptionContext: 'x' }, 'Expected map or null'],
      ['a number in a map of strings', 'Encrypt', { EncryptionContext: { a: 1 } }, 'NUMBER_VALUE can not be converted to a String'],
      ['a string for a structure', 'Decrypt', { Recipient: 'x' }, 'Expected null'],
      ['an integer beyond 32 bits', 'ListKeys', { Limit: 2 ** 31 }, 'NUMBER_VALUE can not be converted to an Integer'],
    ])('rejects %s', (_label, operation, input, message) => {
      const e = failure(operation, input);
      expect(e.code).toBe('SerializationException');
      expect(e.message).toBe(message);
    });

    it.each([
      ['abc', "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3"],
      ['ab*=', "'ab*=' can not be converted to a Blob: Invalid Base64 character: '*'"],
      ['AA=A', "'AA=A' can not be converted to a Blob: Invalid Base64 character: '='"],
      ['AB==', "'AB==' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
    ])('rejects the base64 text %p', (blob, message) => {
      const e = failure('Decrypt', { CiphertextBlob: blob });
      expect(e.code).toBe('SerializationException');
      expect(e.message).toBe(message);
    });

    it('does not echo a sensitive value that is not base64', () => {
      expect(failure('Encrypt', { KeyId: KEY, Plaintext: 'secret' }).message).toBe(
        'Value can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 6',
      );
    });

    it('wins over constraint violations anywhere in the body', () => {
      expect(failure('Encrypt', { KeyId: '', Plaintext: 5 }).code).toBe('SerializationException');
    });

    it.each([[null], ['text'], [3], [[]]])('rejects a body that is not an object: %p', (body) => {
      expect(failure('ListKeys', body).code).toBe('SerializationException');
    });
  });

  describe('the value returned', () => {
    it('decodes blobs, keeps other members and drops unknown ones', () => {
      const out = sut('Encrypt', {
        KeyId: KEY,
        Plaintext: Buffer.from('hello').toString('base64'),
        EncryptionContext: { purpose: 'test' },
        GrantTokens: ['t'],
        Surprise: 1,
      });
      expect(out).toEqual({
        KeyId: KEY,
        Plaintext: Buffer.from('hello'),
        EncryptionContext: { purpose: 'test' },
        GrantTokens: ['t'],
      });
      expect(Buffer.isBuffer(out.Plaintext)).toBe(true);
    });

    it('decodes blobs inside nested structures', () => {
      const out = sut('Decrypt', { CiphertextBlob: b64(2), Recipient: { AttestationDocument: b64(3) } });
      expect(out.Recipient).toEqual({ AttestationDocument: Buffer.alloc(3, 7) });
    });

    it('keeps an encryption context key named __proto__ as data', () => {
      const body = JSON.parse('{"KeyId":"k","Plaintext":"AA==","EncryptionContext":{"__proto__":"x"}}') as unknown;
      const context = sut('Encrypt', body).EncryptionContext as Record<string, unknown>;
      expect(Object.keys(context)).toEqual(['__proto__']);
      expect(Object.getPrototypeOf(context)).toBe(Object.prototype);
    });

    it('truncates a fractional integer', () => {
      expect(sut('ListKeys', { Limit: 5.9 })).toEqual({ Limit: 5 });
    });
  });

  it('answers an operation the model lacks with UnknownOperationException', () => {
    expect(failure('MakeCoffee', {}).code).toBe('UnknownOperationException');
  });

  it('covers every operation of the model', () => {
    expect(KMS_OPERATION_NAMES).toHaveLength(54);
    for (const operation of KMS_OPERATION_NAMES) {
      try {
        expect(sut(operation, {})).toEqual({});
      } catch (e) {
        expect(e).toBeInstanceOf(KmsError);
        expect((e as KmsError).code).toBe('ValidationException');
      }
    }
  });

  describe('on any input', () => {
    const outcome = (operation: string, input: unknown): void => {
      try {
        const out = sut(operation, input);
        expect(typeof out).toBe('object');
      } catch (e) {
        if (!(e instanceof KmsError)) throw e;
        expect(['SerializationException', 'ValidationException']).toContain(e.code);
      }
    };

    it('returns an object or throws a KmsError for any JSON value', () => {
      fc.assert(
        fc.property(fc.constantFrom(...KMS_OPERATION_NAMES), fc.jsonValue(), (operation, input) => {
          outcome(operation, input);
        }),
        { numRuns: 2000 },
      );
    });

    it('returns an object or throws a KmsError for bodies made of the model member names', () => {
      const body = (operation: keyof typeof KMS_INPUT_SHAPES) =>
        fc.dictionary(
          fc.oneof(fc.constantFrom(...Object.keys(KMS_INPUT_SHAPES[operation].members)), fc.string()),
          fc.oneof(
            fc.jsonValue(),
            fc.base64String(),
            fc.array(fc.dictionary(fc.constantFrom('TagKey', 'TagValue', 'AccessKeyId', 'x'), fc.jsonValue())),
          ),
        );
      fc.assert(
        fc.property(
          fc.constantFrom(...KMS_OPERATION_NAMES).chain((operation) => fc.tuple(fc.constant(operation), body(operation))),
          ([operation, input]) => {
            outcome(operation, input);
          },
        ),
        { numRuns: 3000 },
      );
    });
  });
});
