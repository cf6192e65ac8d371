import { create as message } from "@bufbuild/protobuf";
import { TimestampSchema, timestampMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratedPool } from "../../test/support/database.js";
import type { CallContext } from "../kit/index.js";
import { Status } from "../kit/index.js";
import { userHandlers } from "./handlers.js";
import { migrations } from "./migrations.js";
import { UserStore } from "./store.js";

const context = {} as CallContext; // the user handlers read nothing from the call
let handlers: ReturnType<typeof userHandlers>;
let close: () => Promise<void>;

beforeAll(async () => {
  const database = await migratedPool("user", migrations);
  close = database.close;
  handlers = userHandlers(new UserStore(database.pool));
});
afterAll(() => close());

const create = (email: string, displayName = "Someone") =>
  handlers.createUser(
    { $typeName: "shopmesh.user.v1.CreateUserRequest", email, displayName, requestId: "" },
    context,
  );

describe("CreateUser", () => {
  it("stores the user with an id and a creation time", async () => {
    const before = Date.now();
    const user = await create("grace@example.com", "  Grace Hopper ");
    const after = Date.now();
    expect(user).toMatchObject({ email: "grace@example.com", displayName: "Grace Hopper" });
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    // The database's clock at the insert (same machine); pg rounds microseconds to milliseconds.
    const created = timestampMs(message(TimestampSchema, user.createTime));
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(after + 1);
  });

  it("refuses an email taken in another case with ALREADY_EXISTS", async () => {
    await create("Linus@Example.com");
    await expect(create("linus@example.COM")).rejects.toMatchObject({
      code: Status.ALREADY_EXISTS,
      message: expect.stringContaining("linus@example.COM"),
    });
  });
  // Field rules (an email's syntax, a name's length) are the proto's, checked before handlers
  // run: services/kit/validation/request-rules.test.ts and the errors e2e suite cover them.
});

describe("GetUser", () => {
  it("returns a stored user and NOT_FOUND naming an unknown one", async () => {
    const user = await create("ken@example.com");
    const request = { $typeName: "shopmesh.user.v1.GetUserRequest" as const, id: String(user.id) };
    expect(await handlers.getUser(request, context)).toEqual(user);
    const unknown = "00000000-0000-4000-8000-000000000000";
    await expect(handlers.getUser({ ...request, id: unknown }, context)).rejects.toMatchObject({
      code: Status.NOT_FOUND,
      message: `user ${unknown} not found`,
    });
  });
});

describe("ListUsers", () => {
  it("pages through every user once, in creation order", async () => {
    for (const n of [1, 2, 3, 4, 5]) await create(`page${n}@example.com`);
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await handlers.listUsers(
        { $typeName: "shopmesh.user.v1.ListUsersRequest", pageSize: 2, pageToken },
        context,
      );
      expect(page.users?.length).toBeLessThanOrEqual(2);
      seen.push(...(page.users ?? []).map((user) => String(user.email)));
      pageToken = page.nextPageToken ?? "";
    } while (pageToken !== "");
    const paged = seen.filter((email) => email.startsWith("page"));
    expect(paged).toEqual([1, 2, 3, 4, 5].map((n) => `page${n}@example.com`));
    expect(new Set(seen).size).toBe(seen.length);
  });
});
