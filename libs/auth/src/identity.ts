/** A caller Trent knows: one long-term access key pair and the principal it acts as. */
export interface Identity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** 12 digits; the account that owns the keys this caller creates. */
  readonly accountId: string;
  /** e.g. arn:aws:iam::111122223333:user/alice; its account is `accountId`. */
  readonly principalArn: string;
}

/** The identities file is bad. Lists every bad entry; never quotes a secret. */
export class IdentityConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid identities configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'IdentityConfigError';
  }
}

const ACCESS_KEY_ID_PATTERN = /^\w{1,128}$/;
const ACCOUNT_ID_PATTERN = /^\d{12}$/;
// The partition may be aws, aws-cn, aws-us-gov, ...; the service is iam or sts.
const PRINCIPAL_ARN_PATTERN = /^arn:aws(-[a-z]+)*:(iam|sts)::(\d{12}):\S+$/;

const DEV_IDENTITY: Identity = Object.freeze({
  accessKeyId: 'test',
  secretAccessKey: 'test',
  accountId: '000000000000',
  principalArn: 'arn:aws:iam::000000000000:root',
});

/** Access key id → identity, in memory. Built once at start from the parsed identities file. */
export class IdentityStore {
  private readonly byAccessKeyId: ReadonlyMap<string, Identity>;

  private constructor(identities: readonly Identity[]) {
    this.byAccessKeyId = new Map(identities.map((i) => [i.accessKeyId, i]));
  }

  /**
   * Accepts `[{accessKeyId, secretAccessKey, accountId, principalArn}, ...]` or `{ identities: [...] }`.
   * Throws one IdentityConfigError naming every bad entry.
   */
  static fromConfig(raw: unknown): IdentityStore {
    const entries = Array.isArray(raw) ? raw : isRecord(raw) && Array.isArray(raw.identities) ? raw.identities : undefined;
    if (entries === undefined) {
      throw new IdentityConfigError(["expected an array of identities or an object with an 'identities' array"]);
    }
    if (entries.length === 0) throw new IdentityConfigError(['no identities are defined']);

    const problems: string[] = [];
    const identities: Identity[] = [];
    const firstIndexOf = new Map<string, number>();
    entries.forEach((entry: unknown, index) => {
      const where = `identities[${index}]`;
      const found = checkEntry(entry, where, problems);
      if (found === undefined) return;
      const earlier = firstIndexOf.get(found.accessKeyId);
      if (earlier !== undefined) {
        problems.push(`${where}.accessKeyId '${found.accessKeyId}' is already used by identities[${earlier}]`);
        return;
      }
      firstIndexOf.set(found.accessKeyId, index);
      identities.push(found);
    });
    if (problems.length > 0) throw new IdentityConfigError(problems);
    return new IdentityStore(identities);
  }

  /** The development identity test/test in account 000000000000, as LocalStack and moto use. */
  static default(): IdentityStore {
    return new IdentityStore([DEV_IDENTITY]);
  }

  find(accessKeyId: string): Identity | undefined {
    return this.byAccessKeyId.get(accessKeyId);
  }

  get size(): number {
    return this.byAccessKeyId.size;
  }
}

function checkEntry(entry: unknown, where: string, problems: string[]): Identity | undefined {
  if (!isRecord(entry)) {
    problems.push(`${where} must be an object with accessKeyId, secretAccessKey, accountId and principalArn`);
    return undefined;
  }
  const before = problems.length;
  const { accessKeyId, secretAccessKey, accountId, principalArn } = entry;

  if (typeof accessKeyId !== 'string' || !ACCESS_KEY_ID_PATTERN.test(accessKeyId)) {
    problems.push(`${where}.accessKeyId must be 1 to 128 letters, digits or underscores`);
  }
  // The secret's value is never echoed, only its shape.
  if (typeof secretAccessKey !== 'string' || secretAccessKey.length === 0) {
    problems.push(`${where}.secretAccessKey must be a non-empty string`);
  }
  if (typeof accountId !== 'string' || !ACCOUNT_ID_PATTERN.test(accountId)) {
    problems.push(`${where}.accountId must be a string of 12 digits, got ${describe(accountId)}`);
  }
  const arn = typeof principalArn === 'string' ? PRINCIPAL_ARN_PATTERN.exec(principalArn) : null;
  if (arn === null) {
    problems.push(`${where}.principalArn must be an IAM or STS ARN like arn:aws:iam::111122223333:user/name, got ${describe(principalArn)}`);
  } else if (typeof accountId === 'string' && ACCOUNT_ID_PATTERN.test(accountId) && arn[3] !== accountId) {
    problems.push(`${where}.principalArn is in account ${arn[3]} but accountId is ${accountId}`);
  }

  if (problems.length > before) return undefined;
  return Object.freeze({
    accessKeyId: accessKeyId as string,
    secretAccessKey: secretAccessKey as string,
    accountId: accountId as string,
    principalArn: principalArn as string,
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : v === undefined ? 'nothing' : typeof v;
}
