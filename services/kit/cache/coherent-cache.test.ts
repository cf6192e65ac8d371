import { describe, expect, it } from "vitest";
import { CoherentCache, type Loaded } from "./coherent-cache.js";

const limits = { maxEntries: 100, maxBytes: 1_000_000 };

/** A load that resolves when the test says so. */
function heldLoad<V>(value: V, tags?: string[]) {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let calls = 0;
  const load = async (): Promise<Loaded<V>> => {
    calls++;
    await gate;
    return tags ? { value, tags } : { value };
  };
  return { load, release: () => release(), calls: () => calls };
}

const loadOf =
  <V>(value: V) =>
  async () => ({ value });

describe("CoherentCache", () => {
  it("reads through while the feed is down, then serves from memory once it is up", async () => {
    const cache = new CoherentCache(limits);
    expect(await cache.get("k", loadOf("v1"))).toBe("v1");
    expect(await cache.get("k", loadOf("v2"))).toBe("v2"); // nothing was kept
    cache.feedUp();
    expect(await cache.get("k", loadOf("v3"))).toBe("v3");
    expect(await cache.get("k", loadOf("v4"))).toBe("v3");
    expect(cache.counts).toMatchObject({ hits: 1, misses: 3 });
  });

  it("drops everything when the feed goes down, and keeps nothing until it is up", async () => {
    const cache = new CoherentCache(limits);
    cache.feedUp();
    await cache.get("k", loadOf("v1"));
    cache.feedDown();
    expect(cache.held.entries).toBe(0);
    expect(await cache.get("k", loadOf("v2"))).toBe("v2");
    expect(await cache.get("k", loadOf("v3"))).toBe("v3");
  });

  it("reloads a key after its invalidation", async () => {
    const cache = new CoherentCache(limits);
    cache.feedUp();
    await cache.get("k", loadOf("v1"));
    cache.invalidate("k");
    expect(await cache.get("k", loadOf("v2"))).toBe("v2");
    expect(await cache.get("k", loadOf("v3"))).toBe("v2");
  });

  it("does not keep a load overtaken by an invalidation of its key", async () => {
    const cache = new CoherentCache(limits);
    cache.feedUp();
    const slow = heldLoad("old");
    const reading = cache.get("k", slow.load);
    cache.invalidate("k"); // a commit notified while the old value was on its way
    slow.release();
    expect(await reading).toBe("old"); // this caller asked before the commit: fine
    expect(await cache.get("k", loadOf("new"))).toBe("new");
  });

  it("does not keep a page overtaken by an invalidation of one of its rows", async () => {
    const cache = new CoherentCache(limits);
    cache.feedUp();
    const slow = heldLoad(["r1", "r2"], ["row:1", "row:2"]);
    const reading = cache.get("page", slow.load);
    cache.invalidate("row:2");
    slow.release();
    await reading;
    expect(await cache.get("page", loadOf(["r1", "r2 changed"]))).toEqual(["r1", "r2 changed"]);
  });

  it("does not keep a load that ran while the feed went down and up again", async () => {
    const cache = new CoherentCache(limits);
    cache.feedUp();
    const slow = heldLoad("old");
    const reading = cache.get("k", slow.load);
    cache.feedDown();
    cache.feedUp(); // what was committed in between was never notified
    slow.release();
    await reading;
    expect(await cache.get("k", loadOf("new"))).toBe("new");
  });

  it("keeps loads whose keys were not invalidated, and drops everything on '*'", async () => {
    const cache = new CoherentCache(limits);
    cache.feedUp();
    const slow = heldLoad("a1");
    const reading = cache.get("a", slow.load);
    cache.invalidate("b");
    slow.release();
    await reading;
    expect(await cache.get("a", loadOf("a2"))).toBe("a1");
    cache.invalidate("*");
    expect(await cache.get("a", loadOf("a3"))).toBe("a3");
  });

  it("serves the held keys of a batch from memory and loads only the others, once", async () => {
    const cache = new CoherentCache(limits);
    cache.feedUp();
    await cache.get("a", loadOf("A"));
    const asked: string[][] = [];
    const found = await cache.getMany(["a", "b", "c"], async (missing) => {
      asked.push([...missing]);
      return new Map([["b", { value: "B" }]]); // c does not exist
    });
    expect(asked).toEqual([["b", "c"]]);
    expect([...found]).toEqual([
      ["a", "A"],
      ["b", "B"],
    ]);
    expect(await cache.get("b", loadOf("B2"))).toBe("B");
  });
});
