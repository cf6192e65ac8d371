import { AsyncResource } from "node:async_hooks";

// Node 20's `AsyncResource.prototype.bind` defines the deprecated `asyncResource` accessor
// (DEP0172) on every bound function with two fresh `deprecate()` wrappers, and
// `ClientHttp2Session.request()` binds one per stream: 5% of the edge's CPU per forwarded
// call (bench/README.md, "What the edge costs"). The same function, with the accessor shared by
// all bound functions (it still warns, once, as `deprecate()` does), costs a fraction of that.

const resourceKey = Symbol("asyncResource");
type Bound = ((...args: unknown[]) => unknown) & { [resourceKey]?: unknown };
let warned = false;
const warnOnce = () => {
  if (warned) return;
  warned = true;
  process.emitWarning(
    "The asyncResource property on bound functions is deprecated",
    "DeprecationWarning",
    "DEP0172",
  );
};
const asyncResourceAccessor: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: Bound) {
    warnOnce();
    return this[resourceKey];
  },
  set(this: Bound, value: unknown) {
    warnOnce();
    this[resourceKey] = value;
  },
};

const original = AsyncResource.prototype.bind;

/**
 * Replaces Node's `AsyncResource.prototype.bind` with an equivalent without the per-call
 * `deprecate()` wrappers, when this Node's is the one that builds them (a later Node's is left
 * alone). Idempotent.
 */
export function leanAsyncResourceBind(): void {
  if (AsyncResource.prototype.bind !== original || !String(original).includes("deprecate(")) {
    return;
  }
  AsyncResource.prototype.bind = function bind<Func extends (...args: never[]) => unknown>(
    this: AsyncResource,
    fn: Func,
    thisArg?: unknown,
  ): Func {
    // Node's own checks and errors for anything unusual.
    if (typeof fn !== "function") {
      return (original as (...args: unknown[]) => unknown).call(this, fn, thisArg) as Func;
    }
    const resource = this;
    const bound: Bound =
      thisArg === undefined
        ? function (this: unknown, ...args: unknown[]) {
            return resource.runInAsyncScope(fn as never, this, ...args);
          }
        : (resource.runInAsyncScope.bind(resource, fn as never, thisArg) as Bound);
    Object.defineProperty(bound, "length", {
      configurable: true,
      enumerable: false,
      value: fn.length,
      writable: false,
    });
    bound[resourceKey] = resource;
    Object.defineProperty(bound, "asyncResource", asyncResourceAccessor);
    return bound as unknown as Func;
  } as typeof original;
}
