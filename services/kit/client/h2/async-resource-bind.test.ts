import { AsyncLocalStorage, AsyncResource, executionAsyncId } from "node:async_hooks";
import { describe, expect, it, vi } from "vitest";
import { leanAsyncResourceBind } from "./async-resource-bind.js";

describe("AsyncResource.prototype.bind without per-call deprecate() wrappers", () => {
  leanAsyncResourceBind();

  it("runs the function in the resource's async scope, with its context, this and arguments", () => {
    const storage = new AsyncLocalStorage<string>();
    const resource = storage.run("at bind time", () => new AsyncResource("test"));
    const bound = resource.bind(function (this: unknown, a: number, b: number) {
      return { id: executionAsyncId(), store: storage.getStore(), self: this, sum: a + b };
    });
    const self = { name: "caller" };
    const seen = storage.run("at call time", () => bound.call(self, 2, 3));
    expect(seen).toEqual({ id: resource.asyncId(), store: "at bind time", self, sum: 5 });
    expect(bound.length).toBe(2);
    const bindWithThis = resource.bind as (fn: () => unknown, thisArg: unknown) => () => unknown;
    const withThis = bindWithThis.call(
      resource,
      function (this: unknown) {
        return this;
      },
      self,
    );
    expect(withThis()).toBe(self);
  });

  it("keeps the deprecated asyncResource property, warning once", () => {
    const emit = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    try {
      const resource = new AsyncResource("test");
      const bound = resource.bind(() => 1) as unknown as { asyncResource: unknown };
      expect(bound.asyncResource).toBe(resource);
      const other = new AsyncResource("test");
      expect((other.bind(() => 2) as unknown as { asyncResource: unknown }).asyncResource).toBe(
        other,
      );
      const deprecations = emit.mock.calls.filter((call) => (call as unknown[])[2] === "DEP0172");
      expect(deprecations.length).toBe(1);
    } finally {
      emit.mockRestore();
    }
  });

  it("is what ClientHttp2Session.request binds with (the cost it removes)", () => {
    expect(String(AsyncResource.prototype.bind)).not.toContain("deprecate(");
  });
});
