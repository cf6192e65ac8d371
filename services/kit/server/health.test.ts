import { create } from "@bufbuild/protobuf";
import { Metadata } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import {
  HealthCheckRequestSchema,
  HealthListRequestSchema,
} from "../../gen/grpc/health/v1/health_pb.js";
import type { CallContext } from "../call-context.js";
import { RpcError, Status } from "../rpc-error.js";
import { HealthRegistry, LIVENESS, ServingStatus } from "./health.js";

const userService = "shopmesh.user.v1.UserService";
const productService = "shopmesh.product.v1.ProductService";

function context(signal: AbortSignal = new AbortController().signal): CallContext {
  return {
    method: "/grpc.health.v1.Health/Watch",
    metadata: new Metadata(),
    deadline: Infinity,
    signal,
  };
}

const request = (service: string) => create(HealthCheckRequestSchema, { service });

/** Starts a Watch and collects what it sends. */
function watch(registry: HealthRegistry, service: string, signal?: AbortSignal) {
  const sent: (ServingStatus | undefined)[] = [];
  const ended = registry
    .handlers()
    .watch(request(service), (response) => sent.push(response.status), context(signal));
  let done = false;
  // A refused watch rejects `ended`; the test asserts that on `ended` itself, so this branch
  // only records the end (a bare `.then` would leave its own promise rejected and unhandled).
  const markDone = () => {
    done = true;
  };
  void ended.then(markDone, markDone);
  return { sent, ended, isDone: () => done };
}

describe("HealthRegistry", () => {
  it("starts with the server and every service NOT_SERVING", () => {
    const registry = new HealthRegistry([userService, productService]);
    expect(registry.get("")).toBe(ServingStatus.NOT_SERVING);
    expect(registry.get(userService)).toBe(ServingStatus.NOT_SERVING);
    expect(registry.get(productService)).toBe(ServingStatus.NOT_SERVING);
    expect(registry.get("shopmesh.other.v1.Other")).toBeUndefined();
  });

  // A liveness probe must not restart a process whose database is down or which is draining.
  it("keeps the liveness name SERVING whatever setAll says", () => {
    const registry = new HealthRegistry([userService]);
    expect(registry.get(LIVENESS)).toBe(ServingStatus.SERVING);
    registry.setAll(ServingStatus.SERVING);
    registry.setAll(ServingStatus.NOT_SERVING);
    expect(registry.get(LIVENESS)).toBe(ServingStatus.SERVING);
    expect(registry.get("")).toBe(ServingStatus.NOT_SERVING);
  });

  // The event broker down: the service is degraded, not out of rotation.
  it("keeps a component's status apart from readiness: degraded, never NOT_SERVING overall", () => {
    const registry = new HealthRegistry([userService]);
    registry.setAll(ServingStatus.SERVING);
    registry.setComponent("events-broker", false);
    expect(registry.get("events-broker")).toBe(ServingStatus.NOT_SERVING);
    expect(registry.get("")).toBe(ServingStatus.SERVING);
    expect(registry.get(userService)).toBe(ServingStatus.SERVING);
    registry.setAll(ServingStatus.NOT_SERVING);
    registry.setAll(ServingStatus.SERVING);
    expect(registry.get("events-broker")).toBe(ServingStatus.NOT_SERVING);
    registry.setComponent("events-broker", true);
    expect(registry.get("events-broker")).toBe(ServingStatus.SERVING);
    expect(() => registry.setComponent("", false)).toThrow(/shadow/);
    expect(() => registry.setComponent(LIVENESS, false)).toThrow(/shadow/);
  });

  it("sets one name or all of them", () => {
    const registry = new HealthRegistry([userService, productService]);
    registry.set(userService, ServingStatus.SERVING);
    expect(registry.get(userService)).toBe(ServingStatus.SERVING);
    expect(registry.get("")).toBe(ServingStatus.NOT_SERVING);
    registry.setAll(ServingStatus.SERVING);
    expect([registry.get(""), registry.get(userService), registry.get(productService)]).toEqual([
      ServingStatus.SERVING,
      ServingStatus.SERVING,
      ServingStatus.SERVING,
    ]);
  });
});

describe("Health.Check", () => {
  it("answers the status of the server and of a service", async () => {
    const registry = new HealthRegistry([userService]);
    registry.set(userService, ServingStatus.SERVING);
    const { check } = registry.handlers();
    expect(await check(request(""), context())).toEqual({ status: ServingStatus.NOT_SERVING });
    expect(await check(request(userService), context())).toEqual({ status: ServingStatus.SERVING });
  });

  it("answers NOT_FOUND for a name the server does not serve", async () => {
    const { check } = new HealthRegistry([userService]).handlers();
    const error = await check(request("nope.v1.Nope"), context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({
      code: Status.NOT_FOUND,
      message: expect.stringContaining("nope.v1.Nope"),
    });
  });
});

describe("Health.List", () => {
  it("lists every name with its status", async () => {
    const registry = new HealthRegistry([userService]);
    registry.set(userService, ServingStatus.SERVING);
    const response = await registry.handlers().list(create(HealthListRequestSchema), context());
    expect(response.statuses).toEqual({
      "": { status: ServingStatus.NOT_SERVING },
      [userService]: { status: ServingStatus.SERVING },
      [LIVENESS]: { status: ServingStatus.SERVING },
    });
  });
});

describe("Health.Watch", () => {
  it("sends the current status, then each change, but not a repeat", async () => {
    const registry = new HealthRegistry([userService]);
    const controller = new AbortController();
    const stream = watch(registry, userService, controller.signal);
    expect(stream.sent).toEqual([ServingStatus.NOT_SERVING]);
    registry.set(userService, ServingStatus.SERVING);
    registry.set(userService, ServingStatus.SERVING);
    registry.set("", ServingStatus.SERVING);
    registry.setAll(ServingStatus.NOT_SERVING);
    expect(stream.sent).toEqual([
      ServingStatus.NOT_SERVING,
      ServingStatus.SERVING,
      ServingStatus.NOT_SERVING,
    ]);
    controller.abort();
    await stream.ended;
  });

  it("sends SERVICE_UNKNOWN for an unknown name and keeps watching it", async () => {
    const registry = new HealthRegistry([]);
    const stream = watch(registry, "later.v1.Later");
    expect(stream.sent).toEqual([ServingStatus.SERVICE_UNKNOWN]);
    registry.set("later.v1.Later", ServingStatus.SERVING);
    expect(stream.sent).toEqual([ServingStatus.SERVICE_UNKNOWN, ServingStatus.SERVING]);
    registry.closeWatches();
    await stream.ended;
  });

  it("ends when the call's signal aborts, and sends nothing more", async () => {
    const registry = new HealthRegistry([userService]);
    const controller = new AbortController();
    const stream = watch(registry, userService, controller.signal);
    const other = watch(registry, userService);
    controller.abort();
    await stream.ended;
    registry.set(userService, ServingStatus.SERVING);
    expect(stream.sent).toEqual([ServingStatus.NOT_SERVING]);
    expect(other.sent).toEqual([ServingStatus.NOT_SERVING, ServingStatus.SERVING]);
    expect(other.isDone()).toBe(false);
    registry.closeWatches();
    await other.ended;
  });

  it("ends every open stream on closeWatches(), and sends nothing more", async () => {
    const registry = new HealthRegistry([userService]);
    const first = watch(registry, userService);
    const second = watch(registry, "");
    registry.closeWatches();
    await Promise.all([first.ended, second.ended]);
    registry.setAll(ServingStatus.SERVING);
    expect(first.sent).toEqual([ServingStatus.NOT_SERVING]);
    expect(second.sent).toEqual([ServingStatus.NOT_SERVING]);
  });

  // A signal that is already aborted never fires "abort" again: the stream must not hang on it.
  it("ends at once when the signal is already aborted", async () => {
    const registry = new HealthRegistry([userService]);
    const stream = watch(registry, userService, AbortSignal.abort());
    registry.set(userService, ServingStatus.SERVING);
    expect(stream.sent).toEqual([ServingStatus.NOT_SERVING]);
    registry.closeWatches(); // so that the test itself ends whatever the outcome
    await stream.ended;
  });
});

// Item 10 of issue 11: Watch streams are long-lived and outside load shedding, and any caller
// chooses the names: both are bounded.
describe("Health.Watch limits", () => {
  it("refuses a watch beyond maxWatches with RESOURCE_EXHAUSTED, and takes one when a slot frees", async () => {
    const registry = new HealthRegistry([userService], { maxWatches: 2 });
    const controller = new AbortController();
    const first = watch(registry, userService, controller.signal);
    const second = watch(registry, "");
    const third = watch(registry, userService);
    await expect(third.ended).rejects.toMatchObject({
      code: Status.RESOURCE_EXHAUSTED,
      message: "too many health watches (limit 2); use Check, or retry later",
    });
    expect(third.sent).toEqual([]);
    controller.abort();
    await first.ended;
    const fourth = watch(registry, userService);
    expect(fourth.sent).toEqual([ServingStatus.NOT_SERVING]);
    expect(registry.watching().streams).toBe(2);
    registry.closeWatches();
    await Promise.all([second.ended, fourth.ended]);
  });

  it("keeps a name's entry only while someone watches it", async () => {
    const registry = new HealthRegistry([userService]);
    const watches = Array.from({ length: 20 }, (_, i) => {
      const controller = new AbortController();
      return { controller, stream: watch(registry, `unknown.v1.Name${i}`, controller.signal) };
    });
    const twice = new AbortController();
    const again = watch(registry, "unknown.v1.Name0", twice.signal);
    expect(watches[0]?.stream.sent).toEqual([ServingStatus.SERVICE_UNKNOWN]);
    expect(registry.watching()).toEqual({ streams: 21, names: 20 });
    for (const { controller, stream } of watches) {
      controller.abort();
      await stream.ended;
    }
    // Name0 still has a watcher; every other name is gone with its last watcher.
    expect(registry.watching()).toEqual({ streams: 1, names: 1 });
    twice.abort();
    await again.ended;
    expect(registry.watching()).toEqual({ streams: 0, names: 0 });
  });

  it("refuses a name longer than any service name with INVALID_ARGUMENT", async () => {
    const registry = new HealthRegistry([userService]);
    const stream = watch(registry, "x".repeat(257));
    await expect(stream.ended).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message: "service: must be at most 256 characters",
    });
    expect(registry.watching()).toEqual({ streams: 0, names: 0 });
  });
});
