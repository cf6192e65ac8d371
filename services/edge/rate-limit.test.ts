import { Metadata } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import type { CallContext } from "../kit/index.js";
import { RetryLater, Status } from "../kit/index.js";
import { rateLimit } from "./rate-limit.js";

const method = ProductService.method.listProducts;

function context(address: string, subject?: string): CallContext {
  return {
    method: "/shopmesh.product.v1.ProductService/ListProducts",
    metadata: new Metadata(),
    deadline: Number.POSITIVE_INFINITY,
    signal: new AbortController().signal,
    address,
    ...(subject ? { endUser: { subject, admin: false } } : {}),
  };
}

describe("rateLimit", () => {
  let now = 1_000_000;
  const limited = rateLimit(
    { user: { perSecond: 2, burst: 2 }, address: { perSecond: 1, burst: 1 } },
    undefined,
    () => now,
  )(async () => "ok", method);

  it("counts each signed-in user on their own, wherever they call from", async () => {
    await limited({}, context("10.0.0.1:1", "alice"));
    await limited({}, context("10.0.0.2:1", "alice"));
    const refused = await limited({}, context("10.0.0.3:1", "alice")).catch((error) => error);
    expect(refused).toBeInstanceOf(RetryLater);
    expect(refused).toMatchObject({
      code: Status.RESOURCE_EXHAUSTED,
      retryAfterMs: 500,
      message: "rate limit of 2 calls per second per user exceeded; retry in 500 ms",
    });
    // Bob is not slowed down by Alice, and Alice is served again once her bucket refilled.
    expect(await limited({}, context("10.0.0.1:1", "bob"))).toBe("ok");
    now += 500;
    expect(await limited({}, context("10.0.0.1:1", "alice"))).toBe("ok");
  });

  it("counts anonymous calls per address, ignoring the port", async () => {
    expect(await limited({}, context("10.0.0.9:1000"))).toBe("ok");
    await expect(limited({}, context("10.0.0.9:2000"))).rejects.toMatchObject({
      retryAfterMs: 1000,
    });
    expect(await limited({}, context("10.0.0.8:1000"))).toBe("ok");
  });
});
