// End-user sign-in at the edge: bearer JWTs checked against the identity provider.
export { DevIssuer, devIssuerDefaults } from "./dev-issuer.js";
export { jwksFrom } from "./jwks.js";
export { type AdminRole, hasRole, signIn } from "./sign-in.js";
export { type TokenRules, TokenVerifier, type VerifiedToken } from "./token-verifier.js";
