import { randomUUID } from "node:crypto";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll } from "vitest";
import type { MeshClients } from "../../services/cli/mesh-clients.js";
import type { Order } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { startTestEdge, type TestEdge } from "../support/test-edge.js";

// The order-lists suites' shop: a mesh with the edge in front, Ada with five orders (her third
// cancelled) and Bob with three, placed as signed-in end users through the edge.

/** A signed-in shopper: their user id, their client through the edge, their orders in order. */
export interface Shopper {
  readonly id: string;
  readonly orders: MeshClients["orders"];
  readonly placed: Order[];
}

/** The running shop of one test file (filled in by its beforeAll). */
export interface ShoppersShop {
  edge: TestEdge;
  /** The operator's client straight to the order service. */
  operator: MeshClients["orders"];
  ada: Shopper;
  bob: Shopper;
}

async function shopper(edge: TestEdge, subject: string, productId: string, count: number) {
  const clients = edge.clients(await edge.issuer.issue(subject));
  const user = await clients.users.createUser({
    email: `${randomUUID()}@example.com`,
    displayName: subject,
  });
  const placed: Order[] = [];
  for (let index = 0; index < count; index++) {
    const items = [{ productId, quantity: 1 }];
    placed.push(await clients.orders.createOrder({ requestId: randomUUID(), items }));
  }
  return { id: user.id, orders: clients.orders, placed };
}

/** Starts the shop and places Ada's and Bob's orders before the file's tests; stops it after. */
export function shoppersShop(label: string): ShoppersShop {
  const shop = {} as ShoppersShop;
  beforeAll(async () => {
    shop.edge = await startTestEdge(label);
    shop.operator = shop.edge.shop.clients.orders;
    const price = { currencyCode: "EUR", minorUnits: 100n };
    const mug = await shop.edge.shop.clients.products.createProduct({
      sku: "LIST-1",
      name: "Mug",
      price,
      stock: 100,
    });
    shop.ada = await shopper(shop.edge, "idp|ada", mug.id, 5);
    shop.bob = await shopper(shop.edge, "idp|bob", mug.id, 3);
    // Ada's third order is cancelled: one order in another state.
    const third = shop.ada.placed[2] as Order;
    shop.ada.placed[2] = await shop.ada.orders.cancelOrder({ id: third.id });
  }, 120_000);
  afterAll(() => shop.edge?.close());
  return shop;
}

/** Every order of a listing, page by page, and the tokens it was given. */
export async function everyPage(
  orders: MeshClients["orders"],
  request: { filter?: string; orderBy?: string; userId?: string; pageSize: number },
): Promise<{ ids: string[]; tokens: string[] }> {
  const ids: string[] = [];
  const tokens: string[] = [];
  let pageToken = "";
  do {
    const page = await orders.listOrders({ ...request, pageToken });
    ids.push(...page.orders.map((order) => order.id));
    pageToken = page.nextPageToken;
    if (pageToken) tokens.push(pageToken);
  } while (pageToken);
  return { ids, tokens };
}

/** The ids of `orders`, in their order. */
export const idsOf = (orders: readonly Order[]) => orders.map((order) => order.id);

/** A Timestamp as RFC 3339 with all its digits (PostgreSQL keeps microseconds; Date does not). */
export function rfc3339(time: Timestamp | undefined): string {
  const seconds = new Date(Number(time?.seconds ?? 0n) * 1000).toISOString().slice(0, 19);
  return `${seconds}.${String(time?.nanos ?? 0).padStart(9, "0")}Z`;
}
