import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratedPool } from "../../test/support/database.js";
import { startListening, untilNotified } from "../../test/support/read-cache.js";
import type { ReadCache } from "../kit/cache/index.js";
import type { Pool } from "../kit/index.js";
import { migrations } from "./migrations.js";
import { UserStore } from "./store.js";

let pool: Pool;
let close: () => Promise<void>;
let reads: ReadCache;
let store: UserStore;

beforeAll(async () => {
  const database = await migratedPool("user_cache", migrations);
  ({ pool, close } = database);
  reads = await startListening(pool, "user");
  store = new UserStore(pool, reads.cache);
});

afterAll(async () => {
  await reads?.close();
  await close?.();
});

describe("GetUser's reads through the cache", () => {
  it("serves a user from memory until a write to the users table notifies", async () => {
    const notified = reads.cache.counts.invalidations;
    const user = await store.insert({ email: "cache@example.com", displayName: "Before" });
    if (!user) throw new Error("not inserted");
    // The insert's own notifications (the row, "users:+") first, or one could drop what we read.
    await expect
      .poll(() => reads.cache.counts.invalidations, untilNotified)
      .toBeGreaterThanOrEqual(notified + 2);
    expect((await store.get(user.id))?.displayName).toBe("Before");
    // Unnotified (triggers off for this session): the cached row is still served.
    const client = await pool.connect();
    try {
      await client.query("SET session_replication_role = replica");
      await client.query("UPDATE users SET display_name = 'Silent' WHERE id = $1", [user.id]);
      await client.query("SET session_replication_role = DEFAULT");
    } finally {
      client.release();
    }
    expect((await store.get(user.id))?.displayName).toBe("Before");
    // Any write path notifies on commit, e.g. one added by another team to this table.
    await pool.query("UPDATE users SET display_name = 'After' WHERE id = $1", [user.id]);
    await expect
      .poll(async () => (await store.get(user.id))?.displayName, untilNotified)
      .toBe("After");
    // UpdateUser's write, made by another replica's store (no cache of ours to drop).
    const updated = await new UserStore(pool).update(user.id, undefined, {
      displayName: "Renamed",
    });
    if (typeof updated === "string") throw new Error(updated);
    await expect
      .poll(async () => (await store.get(user.id))?.etag, untilNotified)
      .toBe(updated.etag);
    expect((await store.get(user.id))?.displayName).toBe("Renamed");
    await pool.query("DELETE FROM users WHERE id = $1", [user.id]);
    await expect.poll(() => store.get(user.id), untilNotified).toBeUndefined();
  });

  it.each([
    [{ CACHE_MAX_ENTRIES: "5" }, 5, Number.POSITIVE_INFINITY],
    [{ CACHE_MAX_BYTES: "2000" }, Number.POSITIVE_INFINITY, 2000],
  ])("keeps within its bounds (%j) however many users are read", async (env, entries, bytes) => {
    const bounded = await startListening(pool, "user", env);
    try {
      const boundedStore = new UserStore(pool, bounded.cache);
      const ids: string[] = [];
      for (let n = 0; n < 20; n++) {
        const user = await boundedStore.insert({
          email: `${n}-${bytes}@b.example`,
          displayName: "B",
        });
        if (user) ids.push(user.id);
      }
      // Each insert notifies twice (the row, and "users:+"): let them all arrive first.
      await expect
        .poll(() => bounded.cache.counts.invalidations, untilNotified)
        .toBeGreaterThanOrEqual(40);
      for (const id of ids) {
        expect((await boundedStore.get(id))?.id).toBe(id);
        expect(bounded.cache.held.entries).toBeLessThanOrEqual(entries);
        expect(bounded.cache.held.bytes).toBeLessThanOrEqual(bytes);
      }
      expect(bounded.cache.held.entries).toBeGreaterThanOrEqual(Math.min(entries, 3));
    } finally {
      await bounded.close();
    }
  });
});
