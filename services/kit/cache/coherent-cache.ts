import { approximateBytes } from "./approximate-bytes.js";
import { BoundedLru, type LruLimits } from "./bounded-lru.js";

/** A value loaded for the cache, and what invalidates it besides its own key. */
export interface Loaded<V> {
  readonly value: V;
  /** Keys of the rows it was built from (a page: its rows and, if it was short, the table's "+"). */
  readonly tags?: readonly string[];
}

// Invalidations remembered while loads are in flight; past this, in-flight loads are all
// treated as stale (correct, merely a few extra misses) and the log starts over.
const maxRecent = 4_096;

/** Hits, misses and invalidations since start (for metrics and tests). */
export interface CacheCounts {
  hits: number;
  misses: number;
  invalidations: number;
}

/**
 * A read-through cache that is only used while its invalidation feed is up, and never stores a
 * value that may have been overtaken: a load stores its result only when no invalidation of the
 * keys it read arrived while it ran, and the feed stayed up throughout. With every write
 * notifying on commit, a read served from here trails a commit by at most the notification's
 * delay.
 */
export class CoherentCache {
  private readonly lru: BoundedLru<unknown>;
  private live = false;
  // Bumped whenever everything is dropped (feed lost or back, TRUNCATE): older loads are stale.
  private epoch = 0;
  private sequence = 0;
  private readonly recent: { readonly sequence: number; readonly key: string }[] = [];
  private loading = 0;
  /** Counters since start. */
  readonly counts: CacheCounts = { hits: 0, misses: 0, invalidations: 0 };

  constructor(limits: LruLimits) {
    this.lru = new BoundedLru(limits);
  }

  /** Whether reads are being served from memory (the feed is up). */
  get serving(): boolean {
    return this.live;
  }

  /** Entries and estimated bytes held. */
  get held(): { entries: number; bytes: number } {
    return { entries: this.lru.size, bytes: this.lru.bytes };
  }

  /** The feed is up from now on: start caching, from empty. */
  feedUp(): void {
    this.dropAll();
    this.live = true;
  }

  /** The feed is down: changes may go unseen, so forget everything and read through. */
  feedDown(): void {
    this.live = false;
    this.dropAll();
  }

  /** A committed change of `key`; `*` as the key drops everything. */
  invalidate(key: string): void {
    this.counts.invalidations++;
    if (key === "*") {
      this.dropAll();
      return;
    }
    this.lru.invalidate(key);
    if (this.loading === 0) return;
    if (this.recent.length >= maxRecent) {
      this.forgetInFlight();
      return;
    }
    this.recent.push({ sequence: ++this.sequence, key });
  }

  /** The value under `key`: from memory when held, else from `load` (undefined: not stored). */
  async get<V>(key: string, load: () => Promise<Loaded<V> | undefined>): Promise<V | undefined> {
    if (this.live) {
      const held = this.lru.get(key) as V | undefined;
      if (held !== undefined) {
        this.counts.hits++;
        return held;
      }
    }
    this.counts.misses++;
    const loaded = await this.loadAndKeep([key], async () => {
      const one = await load();
      return one ? new Map([[key, one]]) : new Map();
    });
    return loaded.get(key) as V | undefined;
  }

  /**
   * The values under `keys` that exist: those held from memory, all the others from one call of
   * `load` (given the missing keys; it returns what it found).
   */
  async getMany<V>(
    keys: readonly string[],
    load: (missing: readonly string[]) => Promise<ReadonlyMap<string, Loaded<V>>>,
  ): Promise<Map<string, V>> {
    const found = new Map<string, V>();
    const missing: string[] = [];
    for (const key of keys) {
      const held = this.live ? (this.lru.get(key) as V | undefined) : undefined;
      if (held === undefined) missing.push(key);
      else found.set(key, held);
    }
    this.counts.hits += found.size;
    this.counts.misses += missing.length;
    if (missing.length === 0) return found;
    const loaded = await this.loadAndKeep(missing, load);
    for (const [key, value] of loaded) found.set(key, value as V);
    return found;
  }

  private async loadAndKeep<V>(
    keys: readonly string[],
    load: (missing: readonly string[]) => Promise<ReadonlyMap<string, Loaded<V>>>,
  ): Promise<Map<string, V>> {
    const startEpoch = this.epoch;
    const startSequence = this.sequence;
    this.loading++;
    let loaded: ReadonlyMap<string, Loaded<V>>;
    try {
      loaded = await load(keys);
    } finally {
      this.loading--;
    }
    const values = new Map<string, V>();
    const keep = this.live && this.epoch === startEpoch;
    const overtaken = keep ? this.invalidatedSince(startSequence) : undefined;
    for (const [key, { value, tags = [] }] of loaded) {
      values.set(key, value);
      if (!keep || overtaken?.has(key) || tags.some((tag) => overtaken?.has(tag))) continue;
      this.lru.set(key, value, approximateBytes(value) + 2 * key.length, tags);
    }
    if (this.loading === 0) this.recent.length = 0;
    return values;
  }

  private invalidatedSince(sequence: number): Set<string> {
    const keys = new Set<string>();
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const change = this.recent[i];
      if (!change || change.sequence <= sequence) break;
      keys.add(change.key);
    }
    return keys;
  }

  private dropAll(): void {
    this.lru.clear();
    this.forgetInFlight();
  }

  /** Loads in flight will not be stored. */
  private forgetInFlight(): void {
    this.epoch++;
    this.recent.length = 0;
  }
}
