// The API's rule table (test/e2e/error-cases.ts) run through protovalidate alone, with no
// server behind it: every field rule the table lists must come from the protos' buf.validate
// annotations, word for word, and every other row must pass them (it is a handler's rule, one
// that needs state or another service). The errors e2e suite runs the same rows over the wire.
import { randomUUID } from "node:crypto";
import {
  type DescMessage,
  type DescService,
  getOption,
  hasOption,
  type MessageShape,
} from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { MeshClients } from "../services/cli/mesh-clients.js";
import { field_behavior as fieldBehavior } from "../services/gen/google/api/field_behavior_pb.js";
import { file_shopmesh_admin_v1_admin_service } from "../services/gen/shopmesh/admin/v1/admin_service_pb.js";
import { file_shopmesh_common_v1_money } from "../services/gen/shopmesh/common/v1/money_pb.js";
import {
  file_shopmesh_inventory_v1_reservation_service,
  ReservationService,
} from "../services/gen/shopmesh/inventory/v1/reservation_service_pb.js";
import {
  file_shopmesh_order_v1_order_service,
  OrderService,
} from "../services/gen/shopmesh/order/v1/order_service_pb.js";
import {
  file_shopmesh_product_v1_product_service,
  ProductService,
} from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import {
  file_shopmesh_user_v1_user_service,
  UserService,
} from "../services/gen/shopmesh/user/v1/user_service_pb.js";
import { detailMessages, detailsOf } from "../services/kit/error-details/index.js";
import { brokenRules } from "../services/kit/validation/index.js";
import { type ErrorCaseContext, errorCases, expectDetails } from "./e2e/error-cases.js";
import { rpcFailure } from "./support/rpc-failure.js";

const passed = "the proto's rules let it through";

/** Every method of `service` answers what protovalidate says of its request, and nothing else. */
function rulesOnly(service: DescService) {
  const handlers = Object.fromEntries(
    service.methods.map((method) => [
      method.localName,
      (request: MessageShape<DescMessage>) => {
        const broken = brokenRules(method.input, request);
        if (!broken) throw new ConnectError(passed, Code.Unimplemented);
        throw new ConnectError(
          broken.message,
          Code.InvalidArgument,
          undefined,
          detailMessages(detailsOf(broken)),
        );
      },
    ]),
  );
  return [service, handlers] as const;
}

const transport = createRouterTransport((router) => {
  for (const service of [UserService, ProductService, OrderService, ReservationService]) {
    const [desc, handlers] = rulesOnly(service);
    router.service(desc, handlers as never);
  }
});
const clients = {
  users: createClient(UserService, transport),
  products: createClient(ProductService, transport),
  orders: createClient(OrderService, transport),
  reservations: createClient(ReservationService, transport),
} as MeshClients;
const api: ErrorCaseContext = {
  clients,
  internalProducts: clients.products,
  internalReservations: clients.reservations,
  userId: randomUUID(),
  eurProduct: randomUUID(),
  usdProduct: randomUUID(),
};

// Field rules that need what only the server has: a page token is the server's own, opaque.
const handlerFieldRules = new Set(["ListUsers with a forged token"]);

const cases = errorCases(api);
const isFieldRule = ([name, , code, , details]: (typeof cases)[number]) =>
  code === "InvalidArgument" &&
  details().reason === "INVALID_FIELD" &&
  !handlerFieldRules.has(name);

describe("the rule table through protovalidate alone", () => {
  it.each(cases.filter(isFieldRule))("%s", async (_name, call, code, message, details) => {
    const failure = await rpcFailure(call);
    expect(failure.code).toBe(code);
    expect(failure.message).toMatch(message);
    expectDetails(failure.error, code, failure.message, details());
  });

  it.each(cases.filter((row) => !isFieldRule(row)))(
    "%s is a handler's rule: the proto's rules let it through",
    async (_name, call) => {
      expect(await rpcFailure(call)).toMatchObject({ code: "Unimplemented", message: passed });
    },
  );

  it("covers the table: most of its INVALID_ARGUMENT rows are the proto's", () => {
    expect(cases.filter(isFieldRule).length).toBeGreaterThanOrEqual(20);
  });
});

describe("google.api.field_behavior", () => {
  const files = [
    file_shopmesh_admin_v1_admin_service,
    file_shopmesh_common_v1_money,
    file_shopmesh_inventory_v1_reservation_service,
    file_shopmesh_order_v1_order_service,
    file_shopmesh_product_v1_product_service,
    file_shopmesh_user_v1_user_service,
  ];
  const fields = files.flatMap((file) =>
    file.messages.flatMap((message) =>
      message.fields.map((field) => [field.toString(), field] as const),
    ),
  );

  it.each(fields)("is set on %s", (_name, field) => {
    expect(hasOption(field, fieldBehavior)).toBe(true);
    expect(getOption(field, fieldBehavior).length).toBeGreaterThan(0);
  });
});
