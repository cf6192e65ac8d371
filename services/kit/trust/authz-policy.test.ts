import { describe, expect, it } from "vitest";
import { authorize } from "./authz-match.js";
import { PolicyError, parseAuthzPolicy } from "./authz-policy.js";
import type { PeerIdentity } from "./peer-identity.js";

const order = "spiffe://td/ns/shop/sa/order";
const operator = "spiffe://td/ns/shop/sa/operator";
const policy = parseAuthzPolicy(
  JSON.stringify({
    name: "product",
    deny_rules: [
      {
        name: "no-stock-from-canary",
        source: { principals: ["*-canary"] },
        request: { paths: ["/shop.Product/ReserveStock"] },
      },
      {
        name: "no-debug-header",
        request: { headers: [{ key: "X-Debug", values: ["*"] }] },
      },
    ],
    allow_rules: [
      {
        name: "stock-from-order",
        source: { principals: [order, "spiffe://td/ns/shop/sa/order-canary"] },
        request: { paths: ["/shop.Product/ReserveStock"] },
      },
      {
        name: "reads-from-domain",
        source: { principals: ["spiffe://td/*"] },
        request: { paths: ["/shop.Product/Get*", "*/ListProducts"] },
      },
      {
        name: "admin-by-dns",
        source: { principals: ["operator.local"] },
        request: { paths: ["/admin/*"] },
      },
      {
        name: "tenant-a",
        source: { principals: [operator] },
        request: {
          paths: ["/shop.Product/CreateProduct"],
          headers: [{ key: "x-tenant", values: ["a", "b*"] }],
        },
      },
      { name: "health", request: { paths: ["/grpc.health.v1.Health/Check"] } },
    ],
  }),
);

const peer = (spiffeId: string | undefined, dnsNames: string[] = []): PeerIdentity => ({
  spiffeId,
  uris: spiffeId ? [spiffeId] : [],
  dnsNames,
  subject: "CN=someone",
  serial: "01",
});

describe("A43 policy matching", () => {
  it.each([
    // [case, path, caller, headers, allowed, rule]
    [
      "exact principal and path",
      "/shop.Product/ReserveStock",
      peer(order),
      {},
      true,
      "product_stock-from-order",
    ],
    [
      "deny before allow (suffix principal)",
      "/shop.Product/ReserveStock",
      peer("spiffe://td/ns/shop/sa/order-canary"),
      {},
      false,
      "product_no-stock-from-canary",
    ],
    [
      "unmatched principal denied",
      "/shop.Product/ReserveStock",
      peer(operator),
      {},
      false,
      undefined,
    ],
    [
      "prefix principal and prefix path",
      "/shop.Product/GetProduct",
      peer(operator),
      {},
      true,
      "product_reads-from-domain",
    ],
    [
      "suffix path",
      "/other.Service/ListProducts",
      peer(operator),
      {},
      true,
      "product_reads-from-domain",
    ],
    [
      "other trust domain",
      "/shop.Product/GetProduct",
      peer("spiffe://evil/ns/shop/sa/order"),
      {},
      false,
      undefined,
    ],
    [
      "principal by DNS SAN",
      "/admin/List",
      peer(undefined, ["operator.local"]),
      {},
      true,
      "product_admin-by-dns",
    ],
    [
      "header exact",
      "/shop.Product/CreateProduct",
      peer(operator),
      { "x-tenant": ["a"] },
      true,
      "product_tenant-a",
    ],
    [
      "header prefix",
      "/shop.Product/CreateProduct",
      peer(operator),
      { "x-tenant": ["beta"] },
      true,
      "product_tenant-a",
    ],
    [
      "header mismatch",
      "/shop.Product/CreateProduct",
      peer(operator),
      { "x-tenant": ["c"] },
      false,
      undefined,
    ],
    ["header absent", "/shop.Product/CreateProduct", peer(operator), {}, false, undefined],
    [
      "header presence denies",
      "/shop.Product/GetProduct",
      peer(operator),
      { "x-debug": ["1"] },
      false,
      "product_no-debug-header",
    ],
    [
      "no source: anyone, even without a certificate",
      "/grpc.health.v1.Health/Check",
      undefined,
      {},
      true,
      "product_health",
    ],
    [
      "no certificate never matches a principal",
      "/shop.Product/GetProduct",
      undefined,
      {},
      false,
      undefined,
    ],
    ["unknown method denied", "/shop.Product/DropTables", peer(order), {}, false, undefined],
  ] as const)("%s", (_case, path, caller, headers, allowed, rule) => {
    const sent = headers as Record<string, readonly string[]>;
    expect(authorize(policy, { path, peer: caller, header: (key) => sent[key] ?? [] })).toEqual({
      allowed,
      rule,
    });
  });
});

describe("A43 policy parsing", () => {
  const allow = [{ name: "a" }];
  it.each([
    ["not JSON", "{", /not JSON/],
    ["no name", JSON.stringify({ allow_rules: allow }), /^name: must be a non-empty string/],
    ["no allow rules", JSON.stringify({ name: "p" }), /allow_rules: must be a non-empty array/],
    [
      "unknown field",
      JSON.stringify({ name: "p", allow_rules: allow, extra: 1 }),
      /policy: unknown field "extra"/,
    ],
    [
      "rule without name",
      JSON.stringify({ name: "p", allow_rules: [{}] }),
      /allow_rules\[0\]\.name/,
    ],
    [
      "duplicate rule name",
      JSON.stringify({ name: "p", allow_rules: [{ name: "a" }, { name: "a" }] }),
      /"a" is used twice/,
    ],
    [
      "path not a string",
      JSON.stringify({ name: "p", allow_rules: [{ name: "a", request: { paths: [1] } }] }),
      /allow_rules\[0\]\.request\.paths\[0\]: must be a non-empty string/,
    ],
    [
      "pseudo-header",
      JSON.stringify({
        name: "p",
        allow_rules: [{ name: "a", request: { headers: [{ key: ":path", values: ["x"] }] } }],
      }),
      /":path" cannot be matched/,
    ],
    [
      "grpc- header",
      JSON.stringify({
        name: "p",
        allow_rules: [
          { name: "a", request: { headers: [{ key: "grpc-timeout", values: ["x"] }] } },
        ],
      }),
      /cannot be matched/,
    ],
    [
      "header without values",
      JSON.stringify({
        name: "p",
        allow_rules: [{ name: "a", request: { headers: [{ key: "x" }] } }],
      }),
      /values: must be non-empty/,
    ],
    [
      "misspelt deny_rules field",
      JSON.stringify({ name: "p", allow_rules: allow, deny_rules: [{ name: "d", sources: {} }] }),
      /deny_rules\[0\]: unknown field "sources"/,
    ],
  ])("refuses %s", (_case, json, message) => {
    expect(() => parseAuthzPolicy(json)).toThrow(PolicyError);
    expect(() => parseAuthzPolicy(json)).toThrow(message);
  });

  it("reads grpc-go's example policy", () => {
    const parsed = parseAuthzPolicy(
      JSON.stringify({
        name: "authz",
        allow_rules: [
          {
            name: "allow_UnaryEcho",
            request: {
              paths: ["/grpc.examples.echo.Echo/UnaryEcho"],
              headers: [{ key: "UNAUTHZ", values: ["*"] }],
            },
          },
        ],
        audit_logging_options: { audit_condition: "ON_DENY" },
      }),
    );
    expect(parsed.allowRules[0]?.headers[0]?.key).toBe("unauthz");
  });
});
