// End users: who a call from the edge is made for, and who may say so.
export { requireAdminEndUser } from "./admin-only.js";
export { claimedEndUser, type EndUser, endUserMetadata } from "./end-user.js";
export { endUserInterceptor } from "./end-user-interceptor.js";
export { mayActForEndUsers, peerAddress } from "./trusted-peer.js";
