// The read cache: rows held in memory, kept coherent across replicas by PostgreSQL itself
// (a trigger NOTIFYs on every commit, a dedicated LISTEN connection invalidates).
export { approximateBytes } from "./approximate-bytes.js";
export { BoundedLru, type LruLimits } from "./bounded-lru.js";
export { measureReadCache } from "./cache-metrics.js";
export { type CacheCounts, CoherentCache, type Loaded } from "./coherent-cache.js";
export {
  InvalidationListener,
  type ListenerEvents,
  type ListenerOptions,
} from "./invalidation-listener.js";
export {
  insertKey,
  invalidationChannel,
  invalidationTriggerSql,
  rowKey,
} from "./invalidation-trigger.js";
export {
  type ReadCache,
  type ReadCacheConfig,
  readCacheSettings,
  startReadCache,
} from "./read-cache.js";
