import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-error';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommandLine {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

/** Every command's `--data` and `--help`. */
export const COMMON_OPTIONS = {
  data: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

/** node:util parseArgs in strict mode, with its errors turned into short usage errors. */
export function parseCommandLine(
  args: readonly string[],
  options: OptionSpecs,
  usage: string,
  allowPositionals = false,
): ParsedCommandLine {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals });
    return { values: values as ParsedCommandLine['values'], positionals };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!code.startsWith('ERR_PARSE_ARGS')) throw err;
    throw new UsageError(firstSentence((err as Error).message), usage);
  }
}

/** The data directory a command works on, absolute. */
export function dataDirOf(values: ParsedCommandLine['values']): string {
  return resolve(typeof values.data === 'string' ? values.data : '.trent');
}

export function stringOption(values: ParsedCommandLine['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** `--nodes 3` → 3; anything but a whole number is a usage error. */
export function integerOption(values: ParsedCommandLine['values'], name: string, usage: string): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number (got "${text}")`, usage);
  return Number(text);
}

function firstSentence(message: string): string {
  const end = message.search(/\.\s/);
  const sentence = end >= 0 ? message.slice(0, end) : message.replace(/\.$/, '');
  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}
