// services/kit/data: explicit named exports (no export *).

export {
  createPool,
  type Pool,
  type PoolClient,
  type PoolOptions,
  type Queryable,
  withTransaction,
} from "./database.js";
export { monitorDatabase } from "./database-monitor.js";
export { type Migration, migrate } from "./migrations.js";
export {
  defaultPageSize,
  maxPageBytes,
  maxPageSize,
  type PageRequest,
  page,
  pageOf,
  pageRequest,
  pageSizeOf,
} from "./pagination.js";
export { bindToCall, cleanUp, timeoutsFor } from "./query-bounds.js";
