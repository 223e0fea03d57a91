import { KeyObject } from 'node:crypto';
import { generateWrappingKey, isWrappingKeySpec, WRAPPING_KEY_SPECS, WrappingKeySpec } from './wrapping-key';

/**
 * Keeps one spare wrapping key per spec, generated in the background, so GetParametersForImport for
 * RSA_4096 does not wait for a key generation of its own.
 *
 * Invariants: at most one spare per spec (ready or being generated); a spare is handed out once and
 * never reused; a new spare is started only after the taken one settles, so a caller's key never
 * competes for CPU with its replacement. A take() that finds no spare generates a key of its own.
 */
export class WrappingKeyPool {
  readonly #specs: ReadonlySet<WrappingKeySpec>;
  readonly #generate: (spec: WrappingKeySpec) => Promise<KeyObject>;
  readonly #spares = new Map<WrappingKeySpec, Promise<KeyObject | undefined>>();
  readonly #running = new Set<Promise<unknown>>();
  #closed = false;

  /** `specs` defaults to every spec; generation of each starts at once. Inject `generate` only in tests. */
  constructor(opts: { specs?: WrappingKeySpec[]; generate?: (spec: WrappingKeySpec) => Promise<KeyObject> } = {}) {
    this.#generate = opts.generate ?? generateWrappingKey;
    const specs = opts.specs ?? WRAPPING_KEY_SPECS;
    for (const spec of specs) if (!isWrappingKeySpec(spec)) throw new RangeError(`unknown wrapping key spec ${String(spec)}`);
    this.#specs = new Set(specs);
    for (const spec of this.#specs) this.#refill(spec);
  }

  /** A private key never handed out before. After close(), or for a spec the pool does not keep, a fresh key generated on demand. */
  async take(spec: WrappingKeySpec): Promise<KeyObject> {
    if (!isWrappingKeySpec(spec)) throw new RangeError(`unknown wrapping key spec ${String(spec)}`);
    const spare = this.#spares.get(spec);
    if (!spare) return this.#start(spec);
    this.#spares.delete(spec);
    const key = await spare;
    this.#refill(spec);
    return key ?? this.#start(spec); // The background generation failed; try once more in the open.
  }

  /** Stops making spares and drops those not yet taken. Returns at once; a generation already on the thread pool finishes and is discarded. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#spares.clear();
  }

  /** Resolves once no generation this pool started is running (for orderly shutdown and tests). */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  #refill(spec: WrappingKeySpec): void {
    if (this.#closed || !this.#specs.has(spec) || this.#spares.has(spec)) return;
    // Never rejects: a failed spare is reported as `undefined` so no rejection goes unhandled.
    const spare = this.#start(spec).then(
      (key) => key,
      () => undefined,
    );
    this.#spares.set(spec, spare);
  }

  /** One generation, remembered until it settles; a generator that throws instead of rejecting is treated alike. */
  #start(spec: WrappingKeySpec): Promise<KeyObject> {
    const work = new Promise<KeyObject>((resolve) => resolve(this.#generate(spec)));
    this.#running.add(work);
    const forget = (): void => void this.#running.delete(work);
    work.then(forget, forget);
    return work;
  }
}
