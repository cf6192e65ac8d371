import { readFileSync } from "node:fs";
import path from "node:path";
import type { GenService } from "@bufbuild/protobuf/codegenv2";
import { describe, expect, it } from "vitest";
import { defaultPolicies } from "../services/authz-policies.js";
import { AdminService } from "../services/gen/shopmesh/admin/v1/admin_service_pb.js";
import { ReservationService } from "../services/gen/shopmesh/inventory/v1/reservation_service_pb.js";
import { OrderService } from "../services/gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../services/gen/shopmesh/user/v1/user_service_pb.js";
import { authorize, type PeerIdentity, parseAuthzPolicy } from "../services/kit/trust/index.js";

// The README's table of the default policies says who may call each method; this reads the table
// and asks the policies themselves, for every method of every service, so the table stays true
// when a method or a rule is added.

const readme = readFileSync(path.resolve(import.meta.dirname, "../README.md"), "utf8");
const domain = "shopmesh.local";
const id = (account: string) => `spiffe://${domain}/ns/local/sa/${account}`;
// The callers a policy tells apart; "another workload" stands for any other service of the domain.
const callers = {
  "the order service": id("order"),
  "the operator": id("operator"),
  "the edge": id("edge"),
  "another workload": id("user"),
} as const;
type Caller = keyof typeof callers;
const everyone = Object.keys(callers) as Caller[];
const policies = defaultPolicies({
  trustDomain: domain,
  order: callers["the order service"],
  operator: callers["the operator"],
  edge: callers["the edge"],
});

const mainService = { product: ProductService, user: UserService, order: OrderService } as const;
type ServiceName = keyof typeof mainService;
/** What a table row may name as `Service/Method` (the main service's methods are named alone). */
const namedServices: Record<string, GenService<never>> = {
  ReservationService: ReservationService as GenService<never>,
  AdminService: AdminService as GenService<never>,
  OrderService: OrderService as GenService<never>,
};
const pathOf = (service: GenService<never>, method: string) => `/${service.typeName}/${method}`;
const methodsOf = (service: GenService<never>) => service.methods.map((m) => m.name);

/** The rows of the table under "The default policies": service, method cell, who cell. */
function tableRows(): { services: ServiceName[]; methods: string; who: string }[] {
  const start = readme.indexOf("The default policies (");
  const lines = readme.slice(start).split("\n");
  const first = lines.findIndex((line) => line.startsWith("| service | method | who |"));
  const rows = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith("|")) break;
    const [service = "", methods = "", who = ""] = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    const services = (
      service === "every service" ? Object.keys(mainService) : [service]
    ) as ServiceName[];
    rows.push({ services, methods, who });
  }
  return rows;
}

/** The method paths a row's method cell names for `service`. */
function pathsIn(cell: string, service: ServiceName): string[] {
  const every = /^every `(\w+)` method$/.exec(cell);
  if (every) {
    const named = namedServices[every[1] ?? ""];
    if (!named) throw new Error(`unknown service in "${cell}"`);
    return methodsOf(named).map((method) => pathOf(named, method));
  }
  return [...cell.matchAll(/`([\w/*]+)`/g)].flatMap(([, name = ""]) => {
    const [serviceName, method] = name.includes("/") ? name.split("/") : [undefined, name];
    const owner = serviceName
      ? namedServices[serviceName]
      : (mainService[service] as GenService<never>);
    if (!owner) throw new Error(`unknown service in \`${name}\``);
    return method === "*"
      ? methodsOf(owner).map((m) => pathOf(owner, m))
      : [pathOf(owner, method ?? "")];
  });
}

/** Who the row's who cell names ("any workload" is everyone of the domain). */
function callersIn(cell: string): Caller[] {
  if (cell.startsWith("any workload of the trust domain")) return everyone;
  return everyone.filter((caller) => cell.includes(caller));
}

const allowedCallers = (service: ServiceName, method: string): Caller[] => {
  const policy = parseAuthzPolicy(JSON.stringify(policies[service]));
  return everyone.filter((caller) => {
    const peer: PeerIdentity = {
      spiffeId: callers[caller],
      uris: [callers[caller]],
      dnsNames: [],
      subject: `CN=${caller}`,
      serial: "01",
    };
    return authorize(policy, { path: method, peer, header: () => [] }).allowed;
  });
};

describe("the README's table of the default policies", () => {
  const rows = tableRows().filter((row) => row.methods !== "health, reflection");

  it("has the rows this test reads", () => {
    expect(rows.length).toBeGreaterThan(5);
  });

  it("says who may call each method it names, as the policies decide", () => {
    const wrong: string[] = [];
    for (const { services, methods, who } of rows) {
      for (const service of services) {
        for (const method of pathsIn(methods, service)) {
          const allowed = allowedCallers(service, method);
          const said = callersIn(who);
          if (allowed.join() !== said.join()) {
            wrong.push(
              `${service} ${method}: README says ${said.join(", ")}; policy allows ${allowed.join(", ") || "nobody"}`,
            );
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("names every method each service serves", () => {
    const served: Record<ServiceName, GenService<never>[]> = {
      product: [
        ProductService as GenService<never>,
        namedServices.ReservationService as GenService<never>,
      ],
      user: [UserService as GenService<never>],
      order: [OrderService as GenService<never>],
    };
    for (const service of Object.keys(mainService) as ServiceName[]) {
      const named = new Set(
        rows.flatMap((row) =>
          row.services.includes(service) ? pathsIn(row.methods, service) : [],
        ),
      );
      const missing = served[service]
        .flatMap((s) => methodsOf(s).map((m) => pathOf(s, m)))
        .filter((method) => !named.has(method));
      expect(missing, service).toEqual([]);
    }
  });
});
