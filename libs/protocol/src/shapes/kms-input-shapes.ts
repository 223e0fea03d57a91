/**
 * The input side of the AWS KMS API (service TrentService, API version 2014-11-01) as data:
 * every operation's request structure with its members, their kinds and the constraints
 * (length or value bounds, patterns, enum values, required members) that the server enforces.
 *
 * Generated from botocore's model `botocore/data/kms/2014-11-01/service-2.json` (botocore 1.43.11,
 * 54 operations) by a one-off script; documentation text is left out. Regenerate rather than edit.
 * Enum values keep the model's order; the order AWS prints them in errors lives in
 * `validation/aws-enum-order.ts`.
 */

export type KmsShapeKind = 'string' | 'blob' | 'integer' | 'boolean' | 'list' | 'map' | 'structure' | 'timestamp';

/** Length bounds count UTF-16 code units, as Java's String.length() does on the AWS side. */
export interface KmsStringShape {
  readonly kind: 'string';
  readonly name: string;
  readonly min?: number;
  readonly max?: number;
  /** A Java regular expression that must match the whole value. */
  readonly pattern?: string;
  readonly enum?: readonly string[];
  /** AWS leaves the value of a sensitive member out of its error messages. */
  readonly sensitive?: true;
}

/** Base64 on the wire; length bounds count decoded bytes. */
export interface KmsBlobShape {
  readonly kind: 'blob';
  readonly name: string;
  readonly min?: number;
  readonly max?: number;
  readonly sensitive?: true;
}

export interface KmsIntegerShape {
  readonly kind: 'integer';
  readonly name: string;
  readonly min?: number;
  readonly max?: number;
}

export interface KmsBooleanShape {
  readonly kind: 'boolean';
  readonly name: string;
}

/** Epoch seconds on the wire (AWS JSON 1.1). */
export interface KmsTimestampShape {
  readonly kind: 'timestamp';
  readonly name: string;
}

/** Length bounds count elements. */
export interface KmsListShape {
  readonly kind: 'list';
  readonly name: string;
  readonly min?: number;
  readonly max?: number;
  readonly member: KmsShape;
}

/** Length bounds count entries. */
export interface KmsMapShape {
  readonly kind: 'map';
  readonly name: string;
  readonly min?: number;
  readonly max?: number;
  readonly key: KmsStringShape;
  readonly value: KmsShape;
}

export interface KmsMember {
  readonly shape: KmsShape;
  readonly required?: true;
}

export interface KmsStructureShape {
  readonly kind: 'structure';
  readonly name: string;
  readonly members: Readonly<Record<string, KmsMember>>;
}

export type KmsShape =
  | KmsStringShape
  | KmsBlobShape
  | KmsIntegerShape
  | KmsBooleanShape
  | KmsTimestampShape
  | KmsListShape
  | KmsMapShape
  | KmsStructureShape;

// Shared shapes, declared before the structures that use them.
const KeyIdType = { kind: 'string', name: 'KeyIdType', min: 1, max: 2048 } as const satisfies KmsStringShape;
const CustomKeyStoreIdType = { kind: 'string', name: 'CustomKeyStoreIdType', min: 1, max: 64 } as const satisfies KmsStringShape;
const AliasNameType = { kind: 'string', name: 'AliasNameType', min: 1, max: 256, pattern: '^[a-zA-Z0-9:/_-]+$' } as const satisfies KmsStringShape;
const CustomKeyStoreNameType = { kind: 'string', name: 'CustomKeyStoreNameType', min: 1, max: 256 } as const satisfies KmsStringShape;
const CloudHsmClusterIdType = { kind: 'string', name: 'CloudHsmClusterIdType', min: 19, max: 24, pattern: 'cluster-[2-7a-zA-Z]{11,16}' } as const satisfies KmsStringShape;
const TrustAnchorCertificateType = { kind: 'string', name: 'TrustAnchorCertificateType', min: 1, max: 5000 } as const satisfies KmsStringShape;
const KeyStorePasswordType = { kind: 'string', name: 'KeyStorePasswordType', min: 7, max: 32, sensitive: true } as const satisfies KmsStringShape;
const CustomKeyStoreType = { kind: 'string', name: 'CustomKeyStoreType', enum: ['AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] } as const satisfies KmsStringShape;
const XksProxyUriEndpointType = { kind: 'string', name: 'XksProxyUriEndpointType', min: 10, max: 128, pattern: '^https://[a-zA-Z0-9.-]+$' } as const satisfies KmsStringShape;
const XksProxyUriPathType = { kind: 'string', name: 'XksProxyUriPathType', min: 10, max: 128, pattern: '^(/[a-zA-Z0-9\\/_-]+/kms/xks/v\\d{1,2})$|^(/kms/xks/v\\d{1,2})$' } as const satisfies KmsStringShape;
const XksProxyVpcEndpointServiceNameType = { kind: 'string', name: 'XksProxyVpcEndpointServiceNameType', min: 20, max: 64, pattern: '^(com|eu)\\.amazonaws\\.vpce\\.([a-z]+-){2,3}\\d+\\.vpce-svc-[0-9a-z]+$' } as const satisfies KmsStringShape;
const AccountIdType = { kind: 'string', name: 'AccountIdType', min: 12, max: 12, pattern: '[0-9]{12}' } as const satisfies KmsStringShape;
const XksProxyAuthenticationAccessKeyIdType = { kind: 'string', name: 'XksProxyAuthenticationAccessKeyIdType', min: 20, max: 30, pattern: '^[A-Z2-7]+$', sensitive: true } as const satisfies KmsStringShape;
const XksProxyAuthenticationRawSecretAccessKeyType = { kind: 'string', name: 'XksProxyAuthenticationRawSecretAccessKeyType', min: 43, max: 64, pattern: '^[a-zA-Z0-9\\/+=]+$', sensitive: true } as const satisfies KmsStringShape;
const XksProxyAuthenticationCredentialType = { kind: 'structure', name: 'XksProxyAuthenticationCredentialType', members: { AccessKeyId: { shape: XksProxyAuthenticationAccessKeyIdType, required: true }, RawSecretAccessKey: { shape: XksProxyAuthenticationRawSecretAccessKeyType, required: true } } } as const satisfies KmsStructureShape;
const XksProxyConnectivityType = { kind: 'string', name: 'XksProxyConnectivityType', enum: ['PUBLIC_ENDPOINT', 'VPC_ENDPOINT_SERVICE'] } as const satisfies KmsStringShape;
const PrincipalIdType = { kind: 'string', name: 'PrincipalIdType', min: 1, max: 256, pattern: '^[\\w+=,.@:/-]+$' } as const satisfies KmsStringShape;
const GrantOperation = { kind: 'string', name: 'GrantOperation', enum: ['Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'Sign', 'Verify', 'GetPublicKey', 'CreateGrant', 'RetireGrant', 'DescribeKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret'] } as const satisfies KmsStringShape;
const GrantOperationList = { kind: 'list', name: 'GrantOperationList', member: GrantOperation } as const satisfies KmsListShape;
const EncryptionContextKey = { kind: 'string', name: 'EncryptionContextKey' } as const satisfies KmsStringShape;
const EncryptionContextValue = { kind: 'string', name: 'EncryptionContextValue' } as const satisfies KmsStringShape;
const EncryptionContextType = { kind: 'map', name: 'EncryptionContextType', key: EncryptionContextKey, value: EncryptionContextValue } as const satisfies KmsMapShape;
const GrantConstraints = { kind: 'structure', name: 'GrantConstraints', members: { EncryptionContextSubset: { shape: EncryptionContextType }, EncryptionContextEquals: { shape: EncryptionContextType } } } as const satisfies KmsStructureShape;
const GrantTokenType = { kind: 'string', name: 'GrantTokenType', min: 1, max: 8192 } as const satisfies KmsStringShape;
const GrantTokenList = { kind: 'list', name: 'GrantTokenList', min: 0, max: 10, member: GrantTokenType } as const satisfies KmsListShape;
const GrantNameType = { kind: 'string', name: 'GrantNameType', min: 1, max: 256, pattern: '^[a-zA-Z0-9:/_-]+$' } as const satisfies KmsStringShape;
const NullableBooleanType = { kind: 'boolean', name: 'NullableBooleanType' } as const satisfies KmsBooleanShape;
const PolicyType = { kind: 'string', name: 'PolicyType', min: 1, max: 131072, pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' } as const satisfies KmsStringShape;
const DescriptionType = { kind: 'string', name: 'DescriptionType', min: 0, max: 8192 } as const satisfies KmsStringShape;
const KeyUsageType = { kind: 'string', name: 'KeyUsageType', enum: ['SIGN_VERIFY', 'ENCRYPT_DECRYPT', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'] } as const satisfies KmsStringShape;
const CustomerMasterKeySpec = { kind: 'string', name: 'CustomerMasterKeySpec', enum: ['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'SYMMETRIC_DEFAULT', 'HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512', 'SM2'] } as const satisfies KmsStringShape;
const KeySpec = { kind: 'string', name: 'KeySpec', enum: ['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'SYMMETRIC_DEFAULT', 'HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512', 'SM2', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87', 'ECC_NIST_EDWARDS25519'] } as const satisfies KmsStringShape;
const OriginType = { kind: 'string', name: 'OriginType', enum: ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] } as const satisfies KmsStringShape;
const BooleanType = { kind: 'boolean', name: 'BooleanType' } as const satisfies KmsBooleanShape;
const TagKeyType = { kind: 'string', name: 'TagKeyType', min: 1, max: 128 } as const satisfies KmsStringShape;
const TagValueType = { kind: 'string', name: 'TagValueType', min: 0, max: 256 } as const satisfies KmsStringShape;
const Tag = { kind: 'structure', name: 'Tag', members: { TagKey: { shape: TagKeyType, required: true }, TagValue: { shape: TagValueType, required: true } } } as const satisfies KmsStructureShape;
const TagList = { kind: 'list', name: 'TagList', member: Tag } as const satisfies KmsListShape;
const XksKeyIdType = { kind: 'string', name: 'XksKeyIdType', min: 1, max: 128, pattern: '^[a-zA-Z0-9-_.]+$' } as const satisfies KmsStringShape;
const CiphertextType = { kind: 'blob', name: 'CiphertextType', min: 1, max: 6144 } as const satisfies KmsBlobShape;
const EncryptionAlgorithmSpec = { kind: 'string', name: 'EncryptionAlgorithmSpec', enum: ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'] } as const satisfies KmsStringShape;
const KeyEncryptionMechanism = { kind: 'string', name: 'KeyEncryptionMechanism', enum: ['RSAES_OAEP_SHA_256'] } as const satisfies KmsStringShape;
const AttestationDocumentType = { kind: 'blob', name: 'AttestationDocumentType', min: 1, max: 262144 } as const satisfies KmsBlobShape;
const RecipientInfo = { kind: 'structure', name: 'RecipientInfo', members: { KeyEncryptionAlgorithm: { shape: KeyEncryptionMechanism }, AttestationDocument: { shape: AttestationDocumentType } } } as const satisfies KmsStructureShape;
const DryRunModifierType = { kind: 'string', name: 'DryRunModifierType', enum: ['IGNORE_CIPHERTEXT'] } as const satisfies KmsStringShape;
const DryRunModifierList = { kind: 'list', name: 'DryRunModifierList', member: DryRunModifierType } as const satisfies KmsListShape;
const BackingKeyIdType = { kind: 'string', name: 'BackingKeyIdType', min: 64, max: 64, pattern: '^[a-f0-9]+$' } as const satisfies KmsStringShape;
const KeyAgreementAlgorithmSpec = { kind: 'string', name: 'KeyAgreementAlgorithmSpec', enum: ['ECDH'] } as const satisfies KmsStringShape;
const PublicKeyType = { kind: 'blob', name: 'PublicKeyType', min: 1, max: 8192 } as const satisfies KmsBlobShape;
const LimitType = { kind: 'integer', name: 'LimitType', min: 1, max: 1000 } as const satisfies KmsIntegerShape;
const MarkerType = { kind: 'string', name: 'MarkerType', min: 1, max: 1024, pattern: '[\\u0020-\\u00FF]*' } as const satisfies KmsStringShape;
const RotationPeriodInDaysType = { kind: 'integer', name: 'RotationPeriodInDaysType', min: 90, max: 2560 } as const satisfies KmsIntegerShape;
const PlaintextType = { kind: 'blob', name: 'PlaintextType', min: 1, max: 4096, sensitive: true } as const satisfies KmsBlobShape;
const NumberOfBytesType = { kind: 'integer', name: 'NumberOfBytesType', min: 1, max: 1024 } as const satisfies KmsIntegerShape;
const DataKeySpec = { kind: 'string', name: 'DataKeySpec', enum: ['AES_256', 'AES_128'] } as const satisfies KmsStringShape;
const DataKeyPairSpec = { kind: 'string', name: 'DataKeyPairSpec', enum: ['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'SM2', 'ECC_NIST_EDWARDS25519'] } as const satisfies KmsStringShape;
const MacAlgorithmSpec = { kind: 'string', name: 'MacAlgorithmSpec', enum: ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'] } as const satisfies KmsStringShape;
const PolicyNameType = { kind: 'string', name: 'PolicyNameType', min: 1, max: 128, pattern: '[\\w]+' } as const satisfies KmsStringShape;
const AlgorithmSpec = { kind: 'string', name: 'AlgorithmSpec', enum: ['RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256', 'SM2PKE'] } as const satisfies KmsStringShape;
const WrappingKeySpec = { kind: 'string', name: 'WrappingKeySpec', enum: ['RSA_2048', 'RSA_3072', 'RSA_4096', 'SM2'] } as const satisfies KmsStringShape;
const DateType = { kind: 'timestamp', name: 'DateType' } as const satisfies KmsTimestampShape;
const ExpirationModelType = { kind: 'string', name: 'ExpirationModelType', enum: ['KEY_MATERIAL_EXPIRES', 'KEY_MATERIAL_DOES_NOT_EXPIRE'] } as const satisfies KmsStringShape;
const ImportType = { kind: 'string', name: 'ImportType', enum: ['NEW_KEY_MATERIAL', 'EXISTING_KEY_MATERIAL'] } as const satisfies KmsStringShape;
const KeyMaterialDescriptionType = { kind: 'string', name: 'KeyMaterialDescriptionType', min: 0, max: 256, pattern: '^[a-zA-Z0-9:/_\\s.-]+$' } as const satisfies KmsStringShape;
const GrantIdType = { kind: 'string', name: 'GrantIdType', min: 1, max: 128 } as const satisfies KmsStringShape;
const IncludeKeyMaterial = { kind: 'string', name: 'IncludeKeyMaterial', enum: ['ALL_KEY_MATERIAL', 'ROTATIONS_ONLY'] } as const satisfies KmsStringShape;
const RegionType = { kind: 'string', name: 'RegionType', min: 1, max: 32, pattern: '^([a-z]+-){2,3}\\d+$' } as const satisfies KmsStringShape;
const PendingWindowInDaysType = { kind: 'integer', name: 'PendingWindowInDaysType', min: 1, max: 365 } as const satisfies KmsIntegerShape;
const MessageType = { kind: 'string', name: 'MessageType', enum: ['RAW', 'DIGEST', 'EXTERNAL_MU'] } as const satisfies KmsStringShape;
const SigningAlgorithmSpec = { kind: 'string', name: 'SigningAlgorithmSpec', enum: ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512', 'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512', 'ECDSA_SHA_256', 'ECDSA_SHA_384', 'ECDSA_SHA_512', 'SM2DSA', 'ML_DSA_SHAKE_256', 'ED25519_SHA_512', 'ED25519_PH_SHA_512'] } as const satisfies KmsStringShape;
const TagKeyList = { kind: 'list', name: 'TagKeyList', member: TagKeyType } as const satisfies KmsListShape;

/** Request structure of every KMS operation, keyed by the action name in `X-Amz-Target`. */
export const KMS_INPUT_SHAPES = {
  CancelKeyDeletion: { kind: 'structure', name: 'CancelKeyDeletionRequest', members: { KeyId: { shape: KeyIdType, required: true } } },
  ConnectCustomKeyStore: { kind: 'structure', name: 'ConnectCustomKeyStoreRequest', members: { CustomKeyStoreId: { shape: CustomKeyStoreIdType, required: true } } },
  CreateAlias: { kind: 'structure', name: 'CreateAliasRequest', members: { AliasName: { shape: AliasNameType, required: true }, TargetKeyId: { shape: KeyIdType, required: true } } },
  CreateCustomKeyStore: { kind: 'structure', name: 'CreateCustomKeyStoreRequest', members: { CustomKeyStoreName: { shape: CustomKeyStoreNameType, required: true }, CloudHsmClusterId: { shape: CloudHsmClusterIdType }, TrustAnchorCertificate: { shape: TrustAnchorCertificateType }, KeyStorePassword: { shape: KeyStorePasswordType }, CustomKeyStoreType: { shape: CustomKeyStoreType }, XksProxyUriEndpoint: { shape: XksProxyUriEndpointType }, XksProxyUriPath: { shape: XksProxyUriPathType }, XksProxyVpcEndpointServiceName: { shape: XksProxyVpcEndpointServiceNameType }, XksProxyVpcEndpointServiceOwner: { shape: AccountIdType }, XksProxyAuthenticationCredential: { shape: XksProxyAuthenticationCredentialType }, XksProxyConnectivity: { shape: XksProxyConnectivityType } } },
  CreateGrant: { kind: 'structure', name: 'CreateGrantRequest', members: { KeyId: { shape: KeyIdType, required: true }, GranteePrincipal: { shape: PrincipalIdType, required: true }, RetiringPrincipal: { shape: PrincipalIdType }, Operations: { shape: GrantOperationList, required: true }, Constraints: { shape: GrantConstraints }, GrantTokens: { shape: GrantTokenList }, Name: { shape: GrantNameType }, DryRun: { shape: NullableBooleanType } } },
  CreateKey: { kind: 'structure', name: 'CreateKeyRequest', members: { Policy: { shape: PolicyType }, Description: { shape: DescriptionType }, KeyUsage: { shape: KeyUsageType }, CustomerMasterKeySpec: { shape: CustomerMasterKeySpec }, KeySpec: { shape: KeySpec }, Origin: { shape: OriginType }, CustomKeyStoreId: { shape: CustomKeyStoreIdType }, BypassPolicyLockoutSafetyCheck: { shape: BooleanType }, Tags: { shape: TagList }, MultiRegion: { shape: NullableBooleanType }, XksKeyId: { shape: XksKeyIdType } } },
  Decrypt: { kind: 'structure', name: 'DecryptRequest', members: { CiphertextBlob: { shape: CiphertextType }, EncryptionContext: { shape: EncryptionContextType }, GrantTokens: { shape: GrantTokenList }, KeyId: { shape: KeyIdType }, EncryptionAlgorithm: { shape: EncryptionAlgorithmSpec }, Recipient: { shape: RecipientInfo }, DryRun: { shape: NullableBooleanType }, DryRunModifiers: { shape: DryRunModifierList } } },
  DeleteAlias: { kind: 'structure', name: 'DeleteAliasRequest', members: { AliasName: { shape: AliasNameType, required: true } } },
  DeleteCustomKeyStore: { kind: 'structure', name: 'DeleteCustomKeyStoreRequest', members: { CustomKeyStoreId: { shape: CustomKeyStoreIdType, required: true } } },
  DeleteImportedKeyMaterial: { kind: 'structure', name: 'DeleteImportedKeyMaterialRequest', members: { KeyId: { shape: KeyIdType, required: true }, KeyMaterialId: { shape: BackingKeyIdType } } },
  DeriveSharedSecret: { kind: 'structure', name: 'DeriveSharedSecretRequest', members: { KeyId: { shape: KeyIdType, required: true }, KeyAgreementAlgorithm: { shape: KeyAgreementAlgorithmSpec, required: true }, PublicKey: { shape: PublicKeyType, required: true }, GrantTokens: { shape: GrantTokenList }, DryRun: { shape: NullableBooleanType }, Recipient: { shape: RecipientInfo } } },
  DescribeCustomKeyStores: { kind: 'structure', name: 'DescribeCustomKeyStoresRequest', members: { CustomKeyStoreId: { shape: CustomKeyStoreIdType }, CustomKeyStoreName: { shape: CustomKeyStoreNameType }, Limit: { shape: LimitType }, Marker: { shape: MarkerType } } },
  DescribeKey: { kind: 'structure', name: 'DescribeKeyRequest', members: { KeyId: { shape: KeyIdType, required: true }, GrantTokens: { shape: GrantTokenList } } },
  DisableKey: { kind: 'structure', name: 'DisableKeyRequest', members: { KeyId: { shape: KeyIdType, required: true } } },
  DisableKeyRotation: { kind: 'structure', name: 'DisableKeyRotationRequest', members: { KeyId: { shape: KeyIdType, required: true } } },
  DisconnectCustomKeyStore: { kind: 'structure', name: 'DisconnectCustomKeyStoreRequest', members: { CustomKeyStoreId: { shape: CustomKeyStoreIdType, required: true } } },
  EnableKey: { kind: 'structure', name: 'EnableKeyRequest', members: { KeyId: { shape: KeyIdType, required: true } } },
  EnableKeyRotation: { kind: 'structure', name: 'EnableKeyRotationRequest', members: { KeyId: { shape: KeyIdType, required: true }, RotationPeriodInDays: { shape: RotationPeriodInDaysType } } },
  Encrypt: { kind: 'structure', name: 'EncryptRequest', members: { KeyId: { shape: KeyIdType, required: true }, Plaintext: { shape: PlaintextType, required: true }, EncryptionContext: { shape: EncryptionContextType }, GrantTokens: { shape: GrantTokenList }, EncryptionAlgorithm: { shape: EncryptionAlgorithmSpec }, DryRun: { shape: NullableBooleanType } } },
  GenerateDataKey: { kind: 'structure', name: 'GenerateDataKeyRequest', members: { KeyId: { shape: KeyIdType, required: true }, EncryptionContext: { shape: EncryptionContextType }, NumberOfBytes: { shape: NumberOfBytesType }, KeySpec: { shape: DataKeySpec }, GrantTokens: { shape: GrantTokenList }, Recipient: { shape: RecipientInfo }, DryRun: { shape: NullableBooleanType } } },
  GenerateDataKeyPair: { kind: 'structure', name: 'GenerateDataKeyPairRequest', members: { EncryptionContext: { shape: EncryptionContextType }, KeyId: { shape: KeyIdType, required: true }, KeyPairSpec: { shape: DataKeyPairSpec, required: true }, GrantTokens: { shape: GrantTokenList }, Recipient: { shape: RecipientInfo }, DryRun: { shape: NullableBooleanType } } },
  GenerateDataKeyPairWithoutPlaintext: { kind: 'structure', name: 'GenerateDataKeyPairWithoutPlaintextRequest', members: { EncryptionContext: { shape: EncryptionContextType }, KeyId: { shape: KeyIdType, required: true }, KeyPairSpec: { shape: DataKeyPairSpec, required: true }, GrantTokens: { shape: GrantTokenList }, DryRun: { shape: NullableBooleanType } } },
  GenerateDataKeyWithoutPlaintext: { kind: 'structure', name: 'GenerateDataKeyWithoutPlaintextRequest', members: { KeyId: { shape: KeyIdType, required: true }, EncryptionContext: { shape: EncryptionContextType }, KeySpec: { shape: DataKeySpec }, NumberOfBytes: { shape: NumberOfBytesType }, GrantTokens: { shape: GrantTokenList }, DryRun: { shape: NullableBooleanType } } },
  GenerateMac: { kind: 'structure', name: 'GenerateMacRequest', members: { Message: { shape: PlaintextType, required: true }, KeyId: { shape: KeyIdType, required: true }, MacAlgorithm: { shape: MacAlgorithmSpec, required: true }, GrantTokens: { shape: GrantTokenList }, DryRun: { shape: NullableBooleanType } } },
  GenerateRandom: { kind: 'structure', name: 'GenerateRandomRequest', members: { NumberOfBytes: { shape: NumberOfBytesType }, CustomKeyStoreId: { shape: CustomKeyStoreIdType }, Recipient: { shape: RecipientInfo } } },
  GetKeyLastUsage: { kind: 'structure', name: 'GetKeyLastUsageRequest', members: { KeyId: { shape: KeyIdType, required: true } } },
  GetKeyPolicy: { kind: 'structure', name: 'GetKeyPolicyRequest', members: { KeyId: { shape: KeyIdType, required: true }, PolicyName: { shape: PolicyNameType } } },
  GetKeyRotationStatus: { kind: 'structure', name: 'GetKeyRotationStatusRequest', members: { KeyId: { shape: KeyIdType, required: true } } },
  GetParametersForImport: { kind: 'structure', name: 'GetParametersForImportRequest', members: { KeyId: { shape: KeyIdType, required: true }, WrappingAlgorithm: { shape: AlgorithmSpec, required: true }, WrappingKeySpec: { shape: WrappingKeySpec, required: true } } },
  GetPublicKey: { kind: 'structure', name: 'GetPublicKeyRequest', members: { KeyId: { shape: KeyIdType, required: true }, GrantTokens: { shape: GrantTokenList } } },
  ImportKeyMaterial: { kind: 'structure', name: 'ImportKeyMaterialRequest', members: { KeyId: { shape: KeyIdType, required: true }, ImportToken: { shape: CiphertextType, required: true }, EncryptedKeyMaterial: { shape: CiphertextType, required: true }, ValidTo: { shape: DateType }, ExpirationModel: { shape: ExpirationModelType }, ImportType: { shape: ImportType }, KeyMaterialDescription: { shape: KeyMaterialDescriptionType }, KeyMaterialId: { shape: BackingKeyIdType } } },
  ListAliases: { kind: 'structure', name: 'ListAliasesRequest', members: { KeyId: { shape: KeyIdType }, Limit: { shape: LimitType }, Marker: { shape: MarkerType } } },
  ListGrants: { kind: 'structure', name: 'ListGrantsRequest', members: { Limit: { shape: LimitType }, Marker: { shape: MarkerType }, KeyId: { shape: KeyIdType, required: true }, GrantId: { shape: GrantIdType }, GranteePrincipal: { shape: PrincipalIdType } } },
  ListKeyPolicies: { kind: 'structure', name: 'ListKeyPoliciesRequest', members: { KeyId: { shape: KeyIdType, required: true }, Limit: { shape: LimitType }, Marker: { shape: MarkerType } } },
  ListKeyRotations: { kind: 'structure', name: 'ListKeyRotationsRequest', members: { KeyId: { shape: KeyIdType, required: true }, IncludeKeyMaterial: { shape: IncludeKeyMaterial }, Limit: { shape: LimitType }, Marker: { shape: MarkerType } } },
  ListKeys: { kind: 'structure', name: 'ListKeysRequest', members: { Limit: { shape: LimitType }, Marker: { shape: MarkerType } } },
  ListResourceTags: { kind: 'structure', name: 'ListResourceTagsRequest', members: { KeyId: { shape: KeyIdType, required: true }, Limit: { shape: LimitType }, Marker: { shape: MarkerType } } },
  ListRetirableGrants: { kind: 'structure', name: 'ListRetirableGrantsRequest', members: { Limit: { shape: LimitType }, Marker: { shape: MarkerType }, RetiringPrincipal: { shape: PrincipalIdType, required: true } } },
  PutKeyPolicy: { kind: 'structure', name: 'PutKeyPolicyRequest', members: { KeyId: { shape: KeyIdType, required: true }, PolicyName: { shape: PolicyNameType }, Policy: { shape: PolicyType, required: true }, BypassPolicyLockoutSafetyCheck: { shape: BooleanType } } },
  ReEncrypt: { kind: 'structure', name: 'ReEncryptRequest', members: { CiphertextBlob: { shape: CiphertextType }, SourceEncryptionContext: { shape: EncryptionContextType }, SourceKeyId: { shape: KeyIdType }, DestinationKeyId: { shape: KeyIdType, required: true }, DestinationEncryptionContext: { shape: EncryptionContextType }, SourceEncryptionAlgorithm: { shape: EncryptionAlgorithmSpec }, DestinationEncryptionAlgorithm: { shape: EncryptionAlgorithmSpec }, GrantTokens: { shape: GrantTokenList }, DryRun: { shape: NullableBooleanType }, DryRunModifiers: { shape: DryRunModifierList } } },
  ReplicateKey: { kind: 'structure', name: 'ReplicateKeyRequest', members: { KeyId: { shape: KeyIdType, required: true }, ReplicaRegion: { shape: RegionType, required: true }, Policy: { shape: PolicyType }, BypassPolicyLockoutSafetyCheck: { shape: BooleanType }, Description: { shape: DescriptionType }, Tags: { shape: TagList } } },
  RetireGrant: { kind: 'structure', name: 'RetireGrantRequest', members: { GrantToken: { shape: GrantTokenType }, KeyId: { shape: KeyIdType }, GrantId: { shape: GrantIdType }, DryRun: { shape: NullableBooleanType } } },
  RevokeGrant: { kind: 'structure', name: 'RevokeGrantRequest', members: { KeyId: { shape: KeyIdType, required: true }, GrantId: { shape: GrantIdType, required: true }, DryRun: { shape: NullableBooleanType } } },
  RotateKeyOnDemand: { kind: 'structure', name: 'RotateKeyOnDemandRequest', members: { KeyId: { shape: KeyIdType, required: true } } },
  ScheduleKeyDeletion: { kind: 'structure', name: 'ScheduleKeyDeletionRequest', members: { KeyId: { shape: KeyIdType, required: true }, PendingWindowInDays: { shape: PendingWindowInDaysType } } },
  Sign: { kind: 'structure', name: 'SignRequest', members: { KeyId: { shape: KeyIdType, required: true }, Message: { shape: PlaintextType, required: true }, MessageType: { shape: MessageType }, GrantTokens: { shape: GrantTokenList }, SigningAlgorithm: { shape: SigningAlgorithmSpec, required: true }, DryRun: { shape: NullableBooleanType } } },
  TagResource: { kind: 'structure', name: 'TagResourceRequest', members: { KeyId: { shape: KeyIdType, required: true }, Tags: { shape: TagList, required: true } } },
  UntagResource: { kind: 'structure', name: 'UntagResourceRequest', members: { KeyId: { shape: KeyIdType, required: true }, TagKeys: { shape: TagKeyList, required: true } } },
  UpdateAlias: { kind: 'structure', name: 'UpdateAliasRequest', members: { AliasName: { shape: AliasNameType, required: true }, TargetKeyId: { shape: KeyIdType, required: true } } },
  UpdateCustomKeyStore: { kind: 'structure', name: 'UpdateCustomKeyStoreRequest', members: { CustomKeyStoreId: { shape: CustomKeyStoreIdType, required: true }, NewCustomKeyStoreName: { shape: CustomKeyStoreNameType }, KeyStorePassword: { shape: KeyStorePasswordType }, CloudHsmClusterId: { shape: CloudHsmClusterIdType }, XksProxyUriEndpoint: { shape: XksProxyUriEndpointType }, XksProxyUriPath: { shape: XksProxyUriPathType }, XksProxyVpcEndpointServiceName: { shape: XksProxyVpcEndpointServiceNameType }, XksProxyVpcEndpointServiceOwner: { shape: AccountIdType }, XksProxyAuthenticationCredential: { shape: XksProxyAuthenticationCredentialType }, XksProxyConnectivity: { shape: XksProxyConnectivityType } } },
  UpdateKeyDescription: { kind: 'structure', name: 'UpdateKeyDescriptionRequest', members: { KeyId: { shape: KeyIdType, required: true }, Description: { shape: DescriptionType, required: true } } },
  UpdatePrimaryRegion: { kind: 'structure', name: 'UpdatePrimaryRegionRequest', members: { KeyId: { shape: KeyIdType, required: true }, PrimaryRegion: { shape: RegionType, required: true } } },
  Verify: { kind: 'structure', name: 'VerifyRequest', members: { KeyId: { shape: KeyIdType, required: true }, Message: { shape: PlaintextType, required: true }, MessageType: { shape: MessageType }, Signature: { shape: CiphertextType, required: true }, SigningAlgorithm: { shape: SigningAlgorithmSpec, required: true }, GrantTokens: { shape: GrantTokenList }, DryRun: { shape: NullableBooleanType } } },
  VerifyMac: { kind: 'structure', name: 'VerifyMacRequest', members: { Message: { shape: PlaintextType, required: true }, KeyId: { shape: KeyIdType, required: true }, MacAlgorithm: { shape: MacAlgorithmSpec, required: true }, Mac: { shape: CiphertextType, required: true }, GrantTokens: { shape: GrantTokenList }, DryRun: { shape: NullableBooleanType } } },
} as const satisfies Record<string, KmsStructureShape>;

export type KmsOperationName = keyof typeof KMS_INPUT_SHAPES;

export const KMS_OPERATION_NAMES = Object.keys(KMS_INPUT_SHAPES) as readonly KmsOperationName[];
