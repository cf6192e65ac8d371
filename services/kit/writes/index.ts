// services/kit/writes: what makes a write safe to retry and to race (AIP-134, 154, 155).
export {
  type ConditionalUpdate,
  etagMatchesSql,
  etagMismatch,
  etagSql,
  type RowUpdate,
  updateIfCurrent,
  versionMigrationSql,
} from "./etag.js";
export {
  type CreateKey,
  createKey,
  earlierCreate,
  requestFingerprint,
  requestIdReused,
  rowByCreateKey,
} from "./request-id.js";
export { type MaskRules, resolveUpdateMask } from "./update-mask.js";
