/** Limits of a {@link BoundedLru}. */
export interface LruLimits {
  /** Most entries held; the least recently used go first. */
  readonly maxEntries: number;
  /** Most bytes held, as estimated by the caller for each entry. */
  readonly maxBytes: number;
}

interface Entry<V> {
  readonly value: V;
  readonly bytes: number;
  /** What invalidates this entry besides its own key (e.g. the rows a page holds). */
  readonly tags: readonly string[];
}

/**
 * A least-recently-used map bounded by entry count and by estimated bytes, whose entries can
 * also be dropped by tag: a cached page of rows goes when any of its rows changes.
 */
export class BoundedLru<V> {
  // A Map iterates in insertion order: re-inserting on every hit keeps the oldest first.
  private readonly entries = new Map<string, Entry<V>>();
  private readonly byTag = new Map<string, Set<string>>();
  private heldBytes = 0;

  constructor(private readonly limits: LruLimits) {}

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** The value under `key`, now the most recently used; undefined when absent. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /**
   * Holds `value` under `key` (replacing what was there), then evicts the least recently used
   * until both limits hold. A value larger than the byte limit alone is not held at all.
   */
  set(key: string, value: V, bytes: number, tags: readonly string[] = []): void {
    this.delete(key);
    if (bytes > this.limits.maxBytes || this.limits.maxEntries === 0) return;
    this.entries.set(key, { value, bytes, tags });
    this.heldBytes += bytes;
    for (const tag of tags) {
      const keys = this.byTag.get(tag);
      if (keys) keys.add(key);
      else this.byTag.set(tag, new Set([key]));
    }
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.limits.maxEntries && this.heldBytes <= this.limits.maxBytes) {
        break;
      }
      this.delete(oldest);
    }
  }

  /** Drops the entry under `key` and every entry tagged `key`. */
  invalidate(key: string): void {
    this.delete(key);
    const tagged = this.byTag.get(key);
    if (!tagged) return;
    for (const other of [...tagged]) this.delete(other);
  }

  /** Drops everything. */
  clear(): void {
    this.entries.clear();
    this.byTag.clear();
    this.heldBytes = 0;
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.heldBytes -= entry.bytes;
    for (const tag of entry.tags) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
  }
}
