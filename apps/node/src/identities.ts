import { IdentityStore } from '@trent/auth';
import { NodeConfig } from '@trent/config';
import { readFileSync } from 'node:fs';

/** The node's identities: its identities file, or the dev identity test/test. Throws naming every bad entry. */
export function loadIdentities(config: NodeConfig): IdentityStore {
  return config.identitiesFile ? IdentityStore.fromConfig(JSON.parse(readFileSync(config.identitiesFile, 'utf8'))) : IdentityStore.default();
}
