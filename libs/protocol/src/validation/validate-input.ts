import { KmsError } from '../errors/kms-error';
import {
  KMS_INPUT_SHAPES,
  type KmsBlobShape,
  type KmsIntegerShape,
  type KmsListShape,
  type KmsMapShape,
  type KmsShape,
  type KmsStringShape,
  type KmsStructureShape,
} from '../shapes/kms-input-shapes';
import { AWS_ENUM_DISPLAY_ORDER } from './aws-enum-order';

/**
 * Checks a parsed AWS JSON 1.1 request body against the KMS model the way AWS's front end does,
 * and returns the known members with blobs decoded to Buffer (unknown and null members dropped).
 *
 * Throws KmsError:
 * - SerializationException when a value has the wrong JSON type or a blob is not valid base64.
 *   AWS deserializes the whole body before validating, so this wins over any constraint error.
 * - ValidationException "N validation error(s) detected: …; …" for constraint violations
 *   (at most 10 are listed), then the few per-operation checks AWS makes after that.
 * - UnknownOperationException for an operation the model does not have.
 *
 * Sources for the texts are cited where they are used; "not confirmed" marks texts or orders
 * that no AWS recording seen so far pins down.
 */
export function validateInput(operation: string, input: unknown): Record<string, unknown> {
  const validator = VALIDATORS.get(operation);
  if (validator === undefined) {
    // Text not confirmed against AWS: its JSON 1.1 front end answers with the code alone.
    throw new KmsError('UnknownOperationException', '');
  }
  if (!isObject(input)) {
    if (Array.isArray(input)) throw serialization(START_OF_LIST);
    // Text not confirmed against AWS.
    throw serialization('The request body must be a JSON object.');
  }
  const ctx: Context = { errors: [] };
  const output = validator.decodeObject(input, '', ctx);
  if (ctx.errors.length > 0) {
    const n = ctx.errors.length;
    throw new KmsError(
      'ValidationException',
      `${n} validation error${n === 1 ? '' : 's'} detected: ${ctx.errors.join('; ')}`,
    );
  }
  const mustHave = REQUIRED_BY_SERVICE[operation];
  if (mustHave !== undefined) {
    for (const member of mustHave) {
      if (output[member] === undefined) throw new KmsError('ValidationException', `${member} is required.`);
    }
  }
  return output;
}

/**
 * Members the model leaves optional but the service refuses to go without, checked after the
 * model's constraints. GenerateRandom: LocalStack test_kms.snapshot.json,
 * test_generate_random_invalid_number_of_bytes[None] -> "NumberOfBytes is required." (recorded 2023).
 */
const REQUIRED_BY_SERVICE: Readonly<Record<string, readonly string[]>> = {
  GenerateRandom: ['NumberOfBytes'],
};

/** AWS lists at most this many violations (kinesalite, which reproduces AWS's JSON 1.1 front end; not confirmed for KMS). */
const MAX_REPORTED_ERRORS = 10;

// Deserialization texts. The "<TOKEN> can not be converted to …" form is recorded from AWS JSON
// services: "STRING_VALUE can not be converted to an Integer" (aws/aws-cdk#27087, CodeDeploy, 2023),
// "NUMBER_VALUE can not be converted to a String" (aarondfrancis/sidecar#148, Lambda, 2024).
// BOOLEAN_VALUE and the Blob/Boolean/Timestamp targets follow that pattern; not confirmed.
// The structural texts are those kinesalite reproduces from AWS (mhart/kinesalite validations/index.js).
const START_OF_MAP = 'Start of structure or map found where not expected.';
const START_OF_LIST = 'Start of list found where not expected';
const EXPECTED_LIST = 'Expected list or null';
const EXPECTED_MAP = 'Expected map or null';
const EXPECTED_STRUCTURE = 'Expected null';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

interface Context {
  readonly errors: string[];
}

interface StructureValidator {
  decodeObject(value: Record<string, unknown>, path: string, ctx: Context): Record<string, unknown>;
}

/** A compiled shape. `decode` gets a value that is neither null nor undefined. */
interface Node {
  readonly sensitive: boolean;
  decode(value: unknown, path: string, ctx: Context): unknown;
}

/** A compiled string, blob, integer, boolean or timestamp shape. */
interface ScalarNode extends Node {
  readonly scalar: true;
  /** Converts or throws a SerializationException. */
  convert(value: unknown): unknown;
  /** Texts of the constraints `converted` breaks, in the order they are reported. */
  violations(converted: unknown): string[];
  /** Every length bound of the shape, upper first, as AWS lists them for collection members. */
  readonly lengthBounds: readonly string[];
  show(converted: unknown): string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

const serialization = (message: string): KmsError => new KmsError('SerializationException', message);

function tokenOf(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return 'STRING_VALUE';
    case 'number':
    case 'bigint':
      return 'NUMBER_VALUE';
    case 'boolean':
      return 'BOOLEAN_VALUE';
    default:
      return 'UNKNOWN_VALUE';
  }
}

/** The SerializationException for a value whose JSON type does not fit a scalar shape. */
function typeMismatch(value: unknown, target: string): KmsError {
  if (Array.isArray(value)) return serialization(START_OF_LIST);
  if (typeof value === 'object' && value !== null) return serialization(START_OF_MAP);
  return serialization(`${tokenOf(value)} can not be converted to ${target}`);
}

/**
 * "Value '<v>' at '<path>' failed to satisfy constraint: <text>". Sensitive values are left out
 * ("Value at 'plaintext' …", LocalStack test_kms.snapshot.json test_plaintext_size_for_encrypt);
 * a missing value prints as null (the form AWS JSON services use for "Member must not be null").
 */
function violation(path: string, shown: string | null, sensitive: boolean, text: string): string {
  const value = sensitive ? '' : shown === null ? ' null' : ` '${shown}'`;
  return `Value${value} at '${path}' failed to satisfy constraint: ${text}`;
}

function report(ctx: Context, message: string): void {
  if (ctx.errors.length < MAX_REPORTED_ERRORS) ctx.errors.push(message);
}

const lengthMin = (n: number) => `Member must have length greater than or equal to ${n}`;
const lengthMax = (n: number) => `Member must have length less than or equal to ${n}`;
const valueMin = (n: number) => `Member must have value greater than or equal to ${n}`;
const valueMax = (n: number) => `Member must have value less than or equal to ${n}`;
const NOT_NULL = 'Member must not be null';

function lengthBoundsOf(shape: { min?: number; max?: number }): string[] {
  const bounds: string[] = [];
  if (shape.max !== undefined) bounds.push(lengthMax(shape.max));
  if (shape.min !== undefined) bounds.push(lengthMin(shape.min));
  return bounds;
}

/** Java's String.matches(): the whole value must match. Java's \s is ASCII-only, unlike JavaScript's. */
function compilePattern(pattern: string): RegExp {
  let js = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      const next = pattern[i + 1];
      i++;
      if (next === 's') js += inClass ? '\\t\\n\\x0B\\f\\r ' : '[\\t\\n\\x0B\\f\\r ]';
      else js += `\\${next}`;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    js += c;
  }
  return new RegExp(`^(?:${js})$`);
}

function enumDisplay(shape: KmsStringShape, values: readonly string[]): string {
  const recorded = (AWS_ENUM_DISPLAY_ORDER[shape.name] ?? []).filter((v) => values.includes(v));
  const rest = values.filter((v) => !recorded.includes(v));
  return `Member must satisfy enum value set: [${[...recorded, ...rest].join(', ')}]`;
}

/**
 * Strings that go into a cryptographic binding as UTF-8 (the encryption context is the AAD). A lone
 * UTF-16 surrogate has no UTF-8 form: encoding would turn it into U+FFFD, so two different contexts
 * would bind alike, and libs/crypto refuses such a context outright. They are refused here as a
 * constraint violation. Trent's rule and text; what AWS does with them is not confirmed.
 */
const WELL_FORMED_ONLY: ReadonlySet<string> = new Set(['EncryptionContextKey', 'EncryptionContextValue']);
const WELL_FORMED_TEXT = 'Member must not contain unpaired UTF-16 surrogates';
// String.prototype.isWellFormed ships with Node 20 but is not in the ES2023 lib typings.
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

function compileString(shape: KmsStringShape): ScalarNode {
  const { min, max } = shape;
  const wellFormedOnly = WELL_FORMED_ONLY.has(shape.name);
  const regex = shape.pattern === undefined ? undefined : compilePattern(shape.pattern);
  const patternText = `Member must satisfy regular expression pattern: ${shape.pattern}`;
  const allowed = shape.enum === undefined ? undefined : new Set(shape.enum);
  const enumText = shape.enum === undefined ? '' : enumDisplay(shape, shape.enum);
  const minText = min === undefined ? '' : lengthMin(min);
  const maxText = max === undefined ? '' : lengthMax(max);
  return scalarNode(shape.sensitive === true, lengthBoundsOf(shape), {
    convert(value) {
      if (typeof value !== 'string') throw typeMismatch(value, 'a String');
      return value;
    },
    violations(converted) {
      const s = converted as string;
      const out: string[] = [];
      // Order of several texts for one member: not confirmed (AWS recordings disagree).
      if (min !== undefined && s.length < min) out.push(minText);
      if (max !== undefined && s.length > max) out.push(maxText);
      if (regex !== undefined && !regex.test(s)) out.push(patternText);
      if (allowed !== undefined && !allowed.has(s)) out.push(enumText);
      if (wellFormedOnly && !isWellFormed(s)) out.push(WELL_FORMED_TEXT);
      return out;
    },
    show: (converted) => converted as string,
  });
}

const BASE64_CANONICAL = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64_BAD_CHAR = /[^A-Za-z0-9+/=]|=[^=]/;
const BASE64_INDEX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The reason a string is not base64 as AWS's (Java) decoder reads it, or undefined if it is.
 * Texts and checking order as kinesalite reproduces them from AWS, including AWS's own spelling
 * "dectected"; not confirmed for KMS.
 */
function base64Problem(s: string): string | undefined {
  if (s.length % 4 !== 0) {
    return `Base64 encoded length is expected a multiple of 4 bytes but found: ${s.length}`;
  }
  if (BASE64_CANONICAL.test(s)) {
    const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
    if (pad === 0) return undefined;
    // The last data character must not carry bits beyond the encoded bytes.
    const last = BASE64_INDEX.indexOf(s[s.length - pad - 1]);
    if (last >= 0 && (last & (pad === 2 ? 0x0f : 0x03)) === 0) return undefined;
    return 'Invalid last non-pad Base64 character dectected';
  }
  const bad = BASE64_BAD_CHAR.exec(s);
  if (bad !== null) return `Invalid Base64 character: '${bad[0][0]}'`;
  return 'Invalid last non-pad Base64 character dectected';
}

/** How AWS prints a blob value: the Java ByteBuffer it decoded into (kinesalite; not confirmed for KMS). */
const showBlob = (bytes: Buffer) => `java.nio.HeapByteBuffer[pos=0 lim=${bytes.length} cap=${bytes.length}]`;

function compileBlob(shape: KmsBlobShape): ScalarNode {
  const { min, max } = shape;
  const sensitive = shape.sensitive === true;
  const minText = min === undefined ? '' : lengthMin(min);
  const maxText = max === undefined ? '' : lengthMax(max);
  return scalarNode(sensitive, lengthBoundsOf(shape), {
    convert(value) {
      if (typeof value !== 'string') throw typeMismatch(value, 'a Blob');
      // Fast path for every well-formed request: canonical base64 survives a decode/encode round trip.
      const bytes = Buffer.from(value, 'base64');
      if (bytes.toString('base64') === value) return bytes;
      const problem = base64Problem(value);
      if (problem !== undefined) {
        // AWS quotes the offending text; Trent does not echo a sensitive one (choice, not confirmed).
        throw serialization(`${sensitive ? 'Value' : `'${value}'`} can not be converted to a Blob: ${problem}`);
      }
      return Buffer.from(value, 'base64');
    },
    violations(converted) {
      const n = (converted as Buffer).length;
      const out: string[] = [];
      if (min !== undefined && n < min) out.push(minText);
      if (max !== undefined && n > max) out.push(maxText);
      return out;
    },
    show: (converted) => showBlob(converted as Buffer),
  });
}

function compileInteger(shape: KmsIntegerShape): ScalarNode {
  const { min, max } = shape;
  const minText = min === undefined ? '' : valueMin(min);
  const maxText = max === undefined ? '' : valueMax(max);
  return scalarNode(false, [], {
    convert(value) {
      if (typeof value !== 'number') throw typeMismatch(value, 'an Integer');
      // A fraction is truncated as Java's BigDecimal.intValue() would; a value outside int32
      // is refused. Neither is confirmed against AWS.
      const n = Math.trunc(value);
      if (!Number.isFinite(n) || n < INT32_MIN || n > INT32_MAX) {
        throw serialization('NUMBER_VALUE can not be converted to an Integer');
      }
      return n === 0 ? 0 : n;
    },
    violations(converted) {
      const n = converted as number;
      const out: string[] = [];
      if (min !== undefined && n < min) out.push(minText);
      if (max !== undefined && n > max) out.push(maxText);
      return out;
    },
    show: (converted) => String(converted),
  });
}

function compileBoolean(): ScalarNode {
  return scalarNode(false, [], {
    convert(value) {
      if (typeof value !== 'boolean') throw typeMismatch(value, 'a Boolean');
      return value;
    },
    violations: () => [],
    show: (converted) => String(converted),
  });
}

/** AWS JSON 1.1 sends timestamps as epoch seconds; they stay numbers here. */
function compileTimestamp(): ScalarNode {
  return scalarNode(false, [], {
    convert(value) {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw typeMismatch(value, 'a Timestamp');
      return value;
    },
    violations: () => [],
    show: (converted) => String(converted),
  });
}

function scalarNode(
  sensitive: boolean,
  lengthBounds: readonly string[],
  parts: Pick<ScalarNode, 'convert' | 'violations' | 'show'>,
): ScalarNode {
  const { convert, violations, show } = parts;
  return {
    scalar: true,
    sensitive,
    lengthBounds,
    convert,
    violations,
    show,
    decode(value, path, ctx) {
      const converted = convert(value);
      const broken = violations(converted);
      for (const text of broken) report(ctx, violation(path, show(converted), sensitive, text));
      return converted;
    },
  };
}

const isScalar = (node: Node): node is ScalarNode => (node as Partial<ScalarNode>).scalar === true;

/**
 * The bracketed summary AWS gives for members of a list or map of scalars, reported once at the
 * collection: "Member must satisfy constraint: [Member must have length less than or equal to 8192,
 * Member must have length greater than or equal to 1]" (kinesalite: both bounds, upper first,
 * whenever a length fails). Not confirmed for KMS.
 */
function memberSummary(node: ScalarNode, broken: Set<string>, sawNull: boolean): string {
  const texts: string[] = [];
  if (sawNull) texts.push(NOT_NULL);
  let lengthListed = false;
  for (const text of broken) {
    if (node.lengthBounds.includes(text)) {
      if (!lengthListed) texts.push(...node.lengthBounds);
      lengthListed = true;
    } else {
      texts.push(text);
    }
  }
  return texts.join(', ');
}

/** How AWS prints a collection element inside "[…]" or "{…}". */
function showElement(node: Node, converted: unknown): string {
  if (converted === null) return 'null';
  if (isScalar(node)) return node.show(converted);
  return JSON.stringify(converted, (_k, v: unknown) => (Buffer.isBuffer(v) ? `<${v.length} bytes>` : v));
}

function compileList(shape: KmsListShape): Node {
  const member = compile(shape.member);
  const { min, max } = shape;
  return {
    sensitive: false,
    decode(value, path, ctx) {
      if (!Array.isArray(value)) {
        throw serialization(typeof value === 'object' ? START_OF_MAP : EXPECTED_LIST);
      }
      const out: unknown[] = new Array<unknown>(value.length);
      const broken = new Set<string>();
      let sawNull = false;
      for (let i = 0; i < value.length; i++) {
        const element: unknown = value[i];
        if (element === null || element === undefined) {
          sawNull = true;
          out[i] = null;
          if (!isScalar(member)) report(ctx, violation(`${path}.${i + 1}.member`, null, false, NOT_NULL));
        } else if (isScalar(member)) {
          const converted = member.convert(element);
          for (const text of member.violations(converted)) broken.add(text);
          out[i] = converted;
        } else {
          out[i] = member.decode(element, `${path}.${i + 1}.member`, ctx);
        }
      }
      const shown = () => `[${out.map((e) => showElement(member, e)).join(', ')}]`;
      if (min !== undefined && out.length < min) report(ctx, violation(path, shown(), false, lengthMin(min)));
      if (max !== undefined && out.length > max) report(ctx, violation(path, shown(), false, lengthMax(max)));
      if (isScalar(member) && (broken.size > 0 || sawNull)) {
        const summary = memberSummary(member, broken, sawNull);
        report(ctx, violation(path, shown(), false, `Member must satisfy constraint: [${summary}]`));
      }
      return out;
    },
  };
}

function compileMap(shape: KmsMapShape): Node {
  const key = compile(shape.key) as ScalarNode;
  const valueNode = compile(shape.value);
  const { min, max } = shape;
  return {
    sensitive: false,
    decode(value, path, ctx) {
      if (!isObject(value)) throw serialization(Array.isArray(value) ? START_OF_LIST : EXPECTED_MAP);
      const entries: [string, unknown][] = [];
      const brokenKeys = new Set<string>();
      const brokenValues = new Set<string>();
      let sawNull = false;
      for (const k of Object.keys(value)) {
        for (const text of key.violations(k)) brokenKeys.add(text);
        const v = value[k];
        if (v === null || v === undefined) {
          sawNull = true;
          entries.push([k, null]);
        } else if (isScalar(valueNode)) {
          const converted = valueNode.convert(v);
          for (const text of valueNode.violations(converted)) brokenValues.add(text);
          entries.push([k, converted]);
        } else {
          entries.push([k, valueNode.decode(v, `${path}.${k}.member`, ctx)]);
        }
      }
      const shown = () => `{${entries.map(([k, v]) => `${k}=${showElement(valueNode, v)}`).join(', ')}}`;
      if (min !== undefined && entries.length < min) report(ctx, violation(path, shown(), false, lengthMin(min)));
      if (max !== undefined && entries.length > max) report(ctx, violation(path, shown(), false, lengthMax(max)));
      // Texts as kinesalite reproduces them. The KMS model constrains no map key or value; null
      // values and Trent's WELL_FORMED_ONLY rule are what reach them.
      if (brokenKeys.size > 0) {
        const summary = memberSummary(key, brokenKeys, false);
        report(ctx, violation(path, shown(), false, `Map keys must satisfy constraint: [${summary}]`));
      }
      if (sawNull || brokenValues.size > 0) {
        const summary = isScalar(valueNode) ? memberSummary(valueNode, brokenValues, sawNull) : NOT_NULL;
        report(ctx, violation(path, shown(), false, `Map value must satisfy constraint: [${summary}]`));
      }
      // fromEntries defines own properties, so a key such as "__proto__" stays a plain entry.
      return Object.fromEntries(entries);
    },
  };
}

interface CompiledMember {
  readonly name: string;
  readonly pathName: string;
  readonly required: boolean;
  readonly node: Node;
}

function compileStructure(shape: KmsStructureShape): Node & StructureValidator {
  const members: CompiledMember[] = Object.entries(shape.members).map(([name, member]) => ({
    name,
    pathName: lowerFirst(name),
    required: member.required === true,
    node: compile(member.shape),
  }));
  const hasOwn = Object.prototype.hasOwnProperty;
  const decodeObject = (value: Record<string, unknown>, path: string, ctx: Context) => {
    const out: Record<string, unknown> = {};
    for (const m of members) {
      const v = hasOwn.call(value, m.name) ? value[m.name] : undefined;
      const memberPath = path === '' ? m.pathName : `${path}.${m.pathName}`;
      if (v === undefined || v === null) {
        // JSON 1.1 reads an explicit null as an absent member.
        if (m.required) report(ctx, violation(memberPath, null, m.node.sensitive, NOT_NULL));
        continue;
      }
      out[m.name] = m.node.decode(v, memberPath, ctx);
    }
    return out;
  };
  return {
    sensitive: false,
    decodeObject,
    decode(value, path, ctx) {
      if (!isObject(value)) throw serialization(Array.isArray(value) ? START_OF_LIST : EXPECTED_STRUCTURE);
      return decodeObject(value, path, ctx);
    },
  };
}

const compiled = new Map<KmsShape, Node>();

function compile(shape: KmsShape): Node {
  const cached = compiled.get(shape);
  if (cached !== undefined) return cached;
  let node: Node;
  switch (shape.kind) {
    case 'string':
      node = compileString(shape);
      break;
    case 'blob':
      node = compileBlob(shape);
      break;
    case 'integer':
      node = compileInteger(shape);
      break;
    case 'boolean':
      node = compileBoolean();
      break;
    case 'timestamp':
      node = compileTimestamp();
      break;
    case 'list':
      node = compileList(shape);
      break;
    case 'map':
      node = compileMap(shape);
      break;
    case 'structure':
      node = compileStructure(shape);
      break;
    default: {
      const unknownShape: never = shape;
      throw new Error(`Unknown shape ${JSON.stringify(unknownShape)}`);
    }
  }
  compiled.set(shape, node);
  return node;
}

/** Built once at module load: one validator per operation, sharing compiled shapes. */
const VALIDATORS: ReadonlyMap<string, StructureValidator> = new Map(
  Object.entries(KMS_INPUT_SHAPES).map(([operation, shape]) => [
    operation,
    compileStructure(shape as KmsStructureShape),
  ]),
);
