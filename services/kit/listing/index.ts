// services/kit/listing: what a list method reads beyond its page size (AIP-132, 158, 160):
// explicit named exports (no export *).

export {
  type FilterComparison,
  type FilterFields,
  type FilterOperator,
  filterError,
  maxFilterComparisons,
  parseFilter,
} from "./list-filter.js";
export { type ListOrder, parseOrderBy } from "./order-by.js";
export {
  newPageTokenKey,
  PageTokens,
  pageTokenKey,
  pageTokenSettings,
  pageTokensFor,
} from "./page-tokens.js";
