/** `--flag=value` → ['--flag', 'value']; anything else → [arg, undefined]. */
export function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

/** The integer `text` names, with a problem recorded (and the value still returned) when it is not one in [min, max]. */
export function integer(flag: string, text: string, min: number, max: number, problems: string[]): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) problems.push(`${flag} must be an integer from ${min} to ${max}, got '${text}'`);
  return n;
}
