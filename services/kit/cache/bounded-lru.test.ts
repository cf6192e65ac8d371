import { describe, expect, it } from "vitest";
import { BoundedLru } from "./bounded-lru.js";

describe("BoundedLru", () => {
  it("holds at most maxEntries, evicting the least recently used", () => {
    const lru = new BoundedLru<number>({ maxEntries: 3, maxBytes: 1_000 });
    for (const key of ["a", "b", "c"]) lru.set(key, 1, 10);
    lru.get("a"); // now b is the oldest
    lru.set("d", 1, 10);
    expect(lru.size).toBe(3);
    expect(lru.get("b")).toBeUndefined();
    expect([lru.get("a"), lru.get("c"), lru.get("d")]).toEqual([1, 1, 1]);
  });

  it("holds at most maxBytes, and nothing larger than the bound alone", () => {
    const lru = new BoundedLru<string>({ maxEntries: 100, maxBytes: 100 });
    for (let i = 0; i < 50; i++) {
      lru.set(`k${i}`, "v", 30);
      expect(lru.bytes).toBeLessThanOrEqual(100);
    }
    expect(lru.size).toBe(3);
    expect(lru.bytes).toBe(90);
    lru.set("huge", "v", 101);
    expect(lru.get("huge")).toBeUndefined();
    expect(lru.size).toBe(3);
  });

  it("counts a replaced entry once", () => {
    const lru = new BoundedLru<string>({ maxEntries: 10, maxBytes: 100 });
    lru.set("a", "1", 40);
    lru.set("a", "2", 50);
    expect([lru.size, lru.bytes, lru.get("a")]).toEqual([1, 50, "2"]);
  });

  it("drops an entry with its key and every entry tagged with it", () => {
    const lru = new BoundedLru<string>({ maxEntries: 10, maxBytes: 1_000 });
    lru.set("row:1", "r1", 10);
    lru.set("row:2", "r2", 10);
    lru.set("page", "p", 10, ["row:1", "row:2"]);
    lru.invalidate("row:2");
    expect([lru.get("row:1"), lru.get("row:2"), lru.get("page")]).toEqual([
      "r1",
      undefined,
      undefined,
    ]);
    expect(lru.bytes).toBe(10);
    // The tag index forgot the evicted page: invalidating row:1 now drops row:1 only.
    lru.set("other", "o", 10, ["row:3"]);
    lru.invalidate("row:1");
    expect([lru.size, lru.get("other")]).toEqual([1, "o"]);
  });
});
