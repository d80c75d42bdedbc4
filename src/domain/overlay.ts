/** What a batch reads of the stored state: a lookup by key, never a scan. */
export interface Lookup<K, V> {
  get(key: K): V | undefined;
  has(key: K): boolean;
}

/**
 * A batch's own view of state it reads and changes: reads fall through to
 * `base` until the batch writes a key. Copying the base instead would cost
 * the whole state per batch, which a replay of a long history, holding all
 * of it in memory, cannot pay.
 */
export class Overlay<K, V> implements Lookup<K, V> {
  private readonly written = new Map<K, V | undefined>();
  constructor(private readonly base: Lookup<K, V>) {}

  get(key: K): V | undefined {
    return this.written.has(key) ? this.written.get(key) : this.base.get(key);
  }

  has(key: K): boolean {
    return this.written.has(key) ? this.written.get(key) !== undefined : this.base.has(key);
  }

  set(key: K, value: V): this {
    this.written.set(key, value);
    return this;
  }

  delete(key: K): void {
    this.written.set(key, undefined);
  }

  /** What the batch wrote, key by key: a value, or undefined where it deleted one. */
  changes(): IterableIterator<[K, V | undefined]> {
    return this.written.entries();
  }
}
