export const keyArn = (region: string, accountId: string, keyId: string): string => `arn:aws:kms:${region}:${accountId}:key/${keyId}`;
export const aliasArn = (region: string, accountId: string, aliasName: string): string => `arn:aws:kms:${region}:${accountId}:${aliasName}`;

export const UUID_KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const MRK_KEY_ID = /^mrk-[0-9a-f]{32}$/;
export const isWellFormedKeyId = (id: string): boolean => UUID_KEY_ID.test(id) || MRK_KEY_ID.test(id);

/** arn:aws:kms:<region>:<account>:<resource>, as far as it parses. */
export interface ParsedArn {
  region: string;
  accountId: string;
  resource: string;
}

export function parseKmsArn(text: string): ParsedArn | undefined {
  const m = /^arn:aws[a-z-]*:kms:([^:]*):([^:]*):(.+)$/.exec(text);
  return m ? { region: m[1], accountId: m[2], resource: m[3] } : undefined;
}
