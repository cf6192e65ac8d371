export {
  type ErrorDetails,
  errorDomain,
  type FieldViolation,
  type PreconditionViolation,
  type ResourceRef,
} from "./error-details.js";
export {
  checkEach,
  checkFields,
  invalidFieldReason,
  isFieldViolation,
  mergeFieldViolations,
} from "./field-checks.js";
export { grpcStatus, receivedDetails } from "./grpc-trailer.js";
export {
  type DetailMessage,
  detailMessages,
  detailsOf,
  readStatusDetails,
  statusDetailsBytes,
  statusDetailsKey,
} from "./status-details.js";
