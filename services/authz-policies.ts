// The default authorization policy of each service (gRFC A43 JSON): who may call what. `make
// run`, the simulation and the tests write these files; the chart renders the same rules.

/** The identities the default policies name. */
export interface PolicyIdentities {
  readonly trustDomain: string;
  /** The order service's SPIFFE ID: the only caller of the stock methods. */
  readonly order: string;
  /** The operator's SPIFFE ID (CLI, grpcurl): catalog writes, user listing, admin RPCs. */
  readonly operator: string;
  /** The edge's SPIFFE ID: it calls for signed-in end users (admin writes included). */
  readonly edge: string;
}

/** An A43 policy as JSON-ready data. */
export interface A43Policy {
  readonly name: string;
  readonly deny_rules?: readonly A43Rule[];
  readonly allow_rules: readonly A43Rule[];
}

/** One A43 rule. */
export interface A43Rule {
  readonly name: string;
  readonly source?: { readonly principals: readonly string[] };
  readonly request?: { readonly paths: readonly string[] };
}

const product = "/shopmesh.product.v1.ProductService";
/** The internal service of the product process: only the order service may call it. */
const reservations = "/shopmesh.inventory.v1.ReservationService";
const user = "/shopmesh.user.v1.UserService";
const order = "/shopmesh.order.v1.OrderService";

/** The three services' default policies. */
export function defaultPolicies(
  ids: PolicyIdentities,
): Record<"user" | "product" | "order", A43Policy> {
  // Any workload of the trust domain (order, operator, the edge): reads and the shop's own
  // writes, which validate their input and are idempotent or harmless to repeat.
  const anyWorkload = [`spiffe://${ids.trustDomain}/*`];
  // Each service's own rules first, then what every service allows.
  const rules = (service: string, own: A43Rule[], reads: string[]): A43Policy => ({
    name: service,
    allow_rules: [
      ...own,
      {
        name: "from-any-workload",
        source: { principals: anyWorkload },
        request: { paths: reads },
      },
      {
        name: "admin-from-operator",
        source: { principals: [ids.operator] },
        request: { paths: ["/shopmesh.admin.v1.AdminService/*"] },
      },
      {
        // Any peer with a certificate from the CA (the TLS layer checked it already).
        name: "health-and-reflection",
        source: { principals: ["*"] },
        request: {
          paths: [
            "/grpc.health.v1.Health/*",
            "/grpc.reflection.v1.ServerReflection/*",
            "/grpc.reflection.v1alpha.ServerReflection/*",
          ],
        },
      },
    ],
  });
  return {
    product: rules(
      "product",
      [
        {
          // ReservationService's methods by name, not `/*`: a method added to it later is
          // refused until a policy names it. The deprecated ProductService copies stay the
          // order service's only, as they were, until a v2 drops them.
          name: "stock-from-order",
          source: { principals: [ids.order] },
          request: {
            paths: [
              `${reservations}/ReserveStock`,
              `${reservations}/ReleaseStock`,
              `${product}/ReserveStock`,
              `${product}/ReleaseStock`,
              `${product}/BatchGetProducts`,
            ],
          },
        },
        {
          // The edge forwards an admin's catalogue and stock writes; the product service checks
          // the role. No other workload may write the catalogue or move stock this way.
          name: "catalog-writes-from-operator",
          source: { principals: [ids.operator, ids.edge] },
          request: {
            paths: [
              `${product}/CreateProduct`,
              `${product}/UpdateProduct`,
              `${product}/AdjustStock`,
            ],
          },
        },
      ],
      [`${product}/GetProduct`, `${product}/ListProducts`],
    ),
    user: rules(
      "user",
      [
        {
          // The edge forwards an admin's ListUsers; the user service checks the role.
          name: "listing-from-operator",
          source: { principals: [ids.operator, ids.edge] },
          request: { paths: [`${user}/ListUsers`] },
        },
        {
          // The edge forwards an end user's change of their own profile (the user service checks
          // whose it is); the operator may change anyone's.
          name: "profile-writes-from-operator",
          source: { principals: [ids.operator, ids.edge] },
          request: { paths: [`${user}/UpdateUser`] },
        },
        {
          // Only a caller speaking for a signed-in end user has a current user.
          name: "current-user-from-edge",
          source: { principals: [ids.edge] },
          request: { paths: [`${user}/GetCurrentUser`] },
        },
      ],
      [`${user}/GetUser`, `${user}/CreateUser`],
    ),
    order: rules("order", [], [`${order}/*`]),
  };
}
