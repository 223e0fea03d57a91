/**
 * The scenario language of the multi-Region e2e suites: one command a line, `#` starts a comment,
 * words are separated by spaces, "double quotes" make one word of several. Names (`k1`, `c1`) are
 * the scenario's own; the runner maps them to key ids and ciphertexts. See SCENARIOS.md beside the
 * suites for the reference; `parseScenario` rejects anything else with the line number.
 */

export type KeyState = 'Enabled' | 'Disabled' | 'Creating' | 'Updating' | 'PendingDeletion' | 'PendingReplicaDeletion' | 'PendingImport' | 'Unavailable';
const KEY_STATES: readonly KeyState[] = ['Enabled', 'Disabled', 'Creating', 'Updating', 'PendingDeletion', 'PendingReplicaDeletion', 'PendingImport', 'Unavailable'];

/** Commands that act (and may be wrapped in `expect-error`). */
export type Action =
  | { op: 'create-mrk' | 'create-key'; key: string; region: string; description?: string }
  | { op: 'replicate'; key: string; to: string; from?: string; description?: string }
  | { op: 'encrypt' | 'generate-data-key'; key: string; region: string; as: string; context?: Record<string, string> }
  | { op: 'decrypt'; cipher: string; region: string }
  /** `refused`: the call succeeds but the destination refuses the handover later (it is not Enabled), so the primary stays. */
  | { op: 'update-primary'; key: string; to: string; from?: string; refused?: boolean }
  | { op: 'failover'; key: string; to: string }
  | { op: 'rotate' | 'enable-rotation' | 'disable' | 'enable' | 'cancel-deletion'; key: string; region: string }
  | { op: 'schedule-deletion'; key: string; region: string; days: number }
  | { op: 'describe'; key: string; region: string; arnOf?: string };

/** One line of a scenario. */
export type Step = { line: number; text: string } & StepBody;

export type StepBody =
  | Action
  | { op: 'up'; regions: string[]; nodes: number }
  | { op: 'kill-region' | 'start-region' | 'pause-region' | 'resume-region' | 'partition' | 'heal'; region: string }
  | { op: 'kill-leader' | 'kill-follower'; region: string }
  | { op: 'advance-clock'; region: string; seconds: number }
  | { op: 'stabilize'; timeoutMs: number }
  | { op: 'expect-primary'; key: string; primary: string; in?: string }
  | { op: 'expect-state' | 'await-state'; key: string; region: string; state: KeyState; timeoutMs: number }
  | { op: 'expect-deleted'; key: string; region: string; timeoutMs: number }
  | { op: 'expect-version'; cipher: string; version: number }
  | { op: 'decrypt-all' }
  | { op: 'expect-error'; code: string; message?: string; action: Action };

export class ScenarioSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly source: string,
    problem: string,
  ) {
    super(`line ${line}: ${problem}\n  ${source.trim()}`);
  }
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const DEFAULT_WAIT_MS = 20_000;

/** Parses a whole scenario; every problem names its line. `up` must come first, once. */
export function parseScenario(text: string): Step[] {
  const steps: Step[] = [];
  text.split('\n').forEach((source, index) => {
    const words = tokenize(source, index + 1);
    if (words.length === 0) return;
    const step = parseLine(new Cursor(words, index + 1, source));
    if (step.op === 'up' && steps.length > 0) throw new ScenarioSyntaxError(step.line, source, '`up` may only be the first command');
    if (step.op !== 'up' && steps.length === 0) throw new ScenarioSyntaxError(step.line, source, 'a scenario starts with `up <region>… [nodes N]`');
    steps.push(step);
  });
  if (steps.length === 0) throw new ScenarioSyntaxError(1, '', 'empty scenario');
  return steps;
}

/** Splits a line into words; "…" is one word; `#` outside quotes starts a comment. */
function tokenize(source: string, line: number): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (c === '#') break;
    else if (c === '"') {
      const end = source.indexOf('"', i + 1);
      if (end < 0) throw new ScenarioSyntaxError(line, source, 'unterminated "quoted" word');
      words.push(source.slice(i + 1, end));
      i = end + 1;
    } else {
      let end = i;
      while (end < source.length && !' \t\r#"'.includes(source[end])) end++;
      words.push(source.slice(i, end));
      i = end;
    }
  }
  return words;
}

class Cursor {
  private at = 0;
  constructor(
    private readonly words: string[],
    readonly line: number,
    readonly source: string,
  ) {}

  fail(problem: string): never {
    throw new ScenarioSyntaxError(this.line, this.source, problem);
  }
  peek(ahead = 0): string | undefined {
    return this.words[this.at + ahead];
  }
  done(): boolean {
    return this.at >= this.words.length;
  }
  next(what: string): string {
    const w = this.words[this.at++];
    if (w === undefined) this.fail(`missing ${what}`);
    return w;
  }
  word(literal: string): void {
    const w = this.words[this.at++];
    if (w !== literal) this.fail(w === undefined ? `missing \`${literal}\`` : `expected \`${literal}\`, got \`${w}\``);
  }
  optional(literal: string): boolean {
    if (this.words[this.at] !== literal) return false;
    this.at++;
    return true;
  }
  name(what: string): string {
    const w = this.next(what);
    if (!NAME.test(w)) this.fail(`${what} \`${w}\` is not a name (letters, digits, - and _)`);
    return w;
  }
  region(): string {
    const w = this.next('Region');
    if (!REGION.test(w)) this.fail(`\`${w}\` is not a Region name like us-east-1`);
    return w;
  }
  int(what: string): number {
    const w = this.next(what);
    if (!/^\d+$/.test(w)) this.fail(`${what} must be a whole number, got \`${w}\``);
    return Number(w);
  }
  /** `20s`, `500ms`, `8d`, `2h`, `30m`. */
  duration(what: string): number {
    const w = this.next(what);
    const m = /^(\d+)(ms|s|m|h|d)$/.exec(w);
    if (!m) this.fail(`${what} must be a duration like 20s, 8d, 500ms; got \`${w}\``);
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
    return Number(m[1]) * unit;
  }
  state(): KeyState {
    const w = this.next('key state');
    if (!KEY_STATES.includes(w as KeyState)) this.fail(`\`${w}\` is not a key state (${KEY_STATES.join(', ')})`);
    return w as KeyState;
  }
  end(): void {
    if (!this.done()) this.fail(`unexpected \`${this.words.slice(this.at).join(' ')}\``);
  }
}

function parseLine(c: Cursor): Step {
  const op = c.next('command');
  const base = { line: c.line, text: c.source.trim() };
  const step = parseAction(op, c) ?? parseControl(op, c);
  c.end();
  return { ...base, ...step } as Step;
}

/** `within 30s` after waits; the default otherwise. */
function within(c: Cursor): number {
  return c.optional('within') ? c.duration('wait') : DEFAULT_WAIT_MS;
}

function parseControl(op: string, c: Cursor): StepBody {
  switch (op) {
    case 'up': {
      const regions: string[] = [];
      while (!c.done() && c.peek() !== 'nodes') regions.push(c.region());
      if (regions.length === 0) c.fail('`up` needs at least one Region');
      if (new Set(regions).size !== regions.length) c.fail('a Region is named twice');
      const nodes = c.optional('nodes') ? c.int('node count') : 1;
      if (nodes < 1 || nodes > 5) c.fail('nodes must be 1 to 5');
      return { op, regions, nodes };
    }
    case 'kill-region':
    case 'start-region':
    case 'pause-region':
    case 'resume-region':
    case 'partition':
    case 'heal':
    case 'kill-leader':
    case 'kill-follower':
      return { op, region: c.region() };
    case 'advance-clock': {
      const region = c.region();
      return { op, region, seconds: c.duration('clock step') / 1000 };
    }
    case 'stabilize':
      return { op, timeoutMs: c.done() ? DEFAULT_WAIT_MS : (c.word('within'), c.duration('wait')) };
    case 'expect-primary': {
      const key = c.name('key');
      const primary = c.region();
      if (c.optional('everywhere')) return { op, key, primary };
      c.word('in');
      return { op, key, primary, in: c.region() };
    }
    case 'expect-state':
    case 'await-state': {
      const key = c.name('key');
      c.word('in');
      const region = c.region();
      const state = c.state();
      return { op, key, region, state, timeoutMs: op === 'await-state' ? within(c) : 0 };
    }
    case 'expect-deleted': {
      const key = c.name('key');
      c.word('in');
      return { op, key, region: c.region(), timeoutMs: within(c) };
    }
    case 'expect-version': {
      const cipher = c.name('ciphertext');
      return { op, cipher, version: c.int('backing-key version') };
    }
    case 'decrypt-all':
      c.optional('everywhere');
      return { op };
    case 'expect-error': {
      const code = c.next('error code');
      if (!/^[A-Z][A-Za-z]+(Exception|Fault)$/.test(code)) c.fail(`\`${code}\` is not an AWS error code like NotFoundException`);
      // An optional message (a part of the error's message) comes before the command.
      const message = !ACTIONS.has(c.peek() ?? '') && c.peek(1) !== undefined ? c.next('message') : undefined;
      const actionOp = c.next('command to expect the error of');
      const action = parseAction(actionOp, c);
      if (!action) c.fail(`\`${actionOp}\` cannot be wrapped in expect-error (only: ${[...ACTIONS].join(', ')})`);
      return { op, code, ...(message !== undefined ? { message } : {}), action };
    }
    default:
      return c.fail(`unknown command \`${op}\``);
  }
}

const ACTIONS = new Set([
  'create-mrk',
  'create-key',
  'replicate',
  'encrypt',
  'generate-data-key',
  'decrypt',
  'update-primary',
  'failover',
  'rotate',
  'enable-rotation',
  'disable',
  'enable',
  'cancel-deletion',
  'schedule-deletion',
  'describe',
]);

function parseAction(op: string, c: Cursor): Action | undefined {
  switch (op) {
    case 'create-mrk':
    case 'create-key': {
      const key = c.name('key');
      c.word('in');
      const region = c.region();
      return { op, key, region, ...description(c) };
    }
    case 'replicate': {
      const key = c.name('key');
      c.word('to');
      const to = c.region();
      const from = c.optional('from') ? c.region() : undefined;
      return { op, key, to, ...(from ? { from } : {}), ...description(c) };
    }
    case 'encrypt':
    case 'generate-data-key': {
      const key = c.name('key');
      c.word('in');
      const region = c.region();
      c.word('as');
      const as = c.name('ciphertext');
      if (!c.optional('context')) return { op, key, region, as };
      const context: Record<string, string> = {};
      while (!c.done()) {
        const pair = c.next('context pair');
        const eq = pair.indexOf('=');
        if (eq <= 0) c.fail(`context pairs are k=v, got \`${pair}\``);
        context[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      return { op, key, region, as, context };
    }
    case 'decrypt': {
      const cipher = c.name('ciphertext');
      c.word('in');
      return { op, cipher, region: c.region() };
    }
    case 'update-primary':
    case 'failover': {
      const key = c.name('key');
      c.word('to');
      const to = c.region();
      if (op === 'failover') return { op, key, to };
      const from = c.optional('in') ? c.region() : undefined;
      return { op, key, to, ...(from ? { from } : {}), ...(c.optional('refused') ? { refused: true } : {}) };
    }
    case 'rotate':
    case 'enable-rotation':
    case 'disable':
    case 'enable':
    case 'cancel-deletion': {
      const key = c.name('key');
      c.word('in');
      return { op, key, region: c.region() };
    }
    case 'schedule-deletion': {
      const key = c.name('key');
      c.word('in');
      const region = c.region();
      const days = c.optional('days') ? c.int('waiting period in days') : 7;
      if (days < 7 || days > 30) c.fail('the waiting period is 7 to 30 days (AWS)');
      return { op, key, region, days };
    }
    case 'describe': {
      const key = c.name('key');
      c.word('in');
      const region = c.region();
      if (!c.optional('by-arn-of')) return { op, key, region };
      return { op, key, region, arnOf: c.region() };
    }
    default:
      return undefined;
  }
}

function description(c: Cursor): { description?: string } {
  return c.optional('desc') ? { description: c.next('description') } : {};
}
