const UNIT_SECONDS = { d: 86_400, h: 3_600, m: 60, s: 1 } as const;
const DURATION = /^([1-9]\d*)([dhms])$/;

/**
 * `31d`, `12h`, `90m`, `3600s` → seconds. One positive whole number and one unit, nothing else:
 * a clock jump is easier to read back from a shell history when it has a single form.
 * Returns undefined for anything else.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  return Number.isSafeInteger(seconds * 1000) ? seconds : undefined;
}

/** 2_682_000_000 → `31d 1h`; 0 → `0s`. Milliseconds are dropped. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.floor(Math.abs(ms) / 1000);
  const parts: string[] = [];
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
  }
  return parts.length === 0 ? '0s' : sign + parts.join(' ');
}

/** 1432 → `1.4 s`, 45 → `0.05 s`: elapsed times in progress lines. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 100 ? 2 : 1)} s`;
}
