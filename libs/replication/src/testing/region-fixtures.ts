import pino, { Logger } from 'pino';
import { generateRegionKeys, RegionKeyFile, RegionKeys, TrustEntry } from '../region-keys';

/** Key files and one shared trust file for a set of Regions, as the launcher would write them. */
export function regionFixtures(regions: string[]): {
  keyFiles: Record<string, RegionKeyFile>;
  trustFile: { regions: Record<string, TrustEntry> };
  keys: (region: string) => RegionKeys;
} {
  const keyFiles: Record<string, RegionKeyFile> = {};
  const trustFile = { regions: {} as Record<string, TrustEntry> };
  for (const region of regions) {
    const g = generateRegionKeys(region);
    keyFiles[region] = g.keyFile;
    trustFile.regions[region] = g.trustEntry;
  }
  return { keyFiles, trustFile, keys: (region) => RegionKeys.from(keyFiles[region], trustFile) };
}

/** A pino logger whose every line lands in `lines` (parsed) and `text` (raw), for asserting on logs. */
export function capturingLogger(): { log: Logger; lines: Record<string, unknown>[]; text: () => string } {
  const raw: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void raw.push(s) });
  return { log, get lines() { return raw.map((s) => JSON.parse(s) as Record<string, unknown>); }, text: () => raw.join('') };
}
