import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError } from "./authz-policy.js";
import { PolicyFile } from "./policy-file.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-policy-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const policy = (name: string) =>
  JSON.stringify({ name, allow_rules: [{ name: "all", source: { principals: ["*"] } }] });

describe("PolicyFile", () => {
  it("is fatal at start when the file is invalid, naming the file and the field", async () => {
    const file = path.join(dir, "bad.json");
    await writeFile(file, JSON.stringify({ name: "p" }));
    expect(() => new PolicyFile(file, { refreshIntervalMs: 1_000 })).toThrow(PolicyError);
    expect(() => new PolicyFile(file, { refreshIntervalMs: 1_000 })).toThrow(
      `authorization policy ${file}: allow_rules: must be a non-empty array`,
    );
  });

  it("reloads a changed file, and keeps the previous policy when the new one is broken", async () => {
    const file = path.join(dir, "policy.json");
    await writeFile(file, policy("v1"));
    const reloaded: string[] = [];
    const refused: string[] = [];
    const watched = new PolicyFile(file, {
      refreshIntervalMs: 60_000, // reloaded by hand below, deterministically
      onReloaded: (loaded) => reloaded.push(loaded.name),
      onRejected: (reason) => refused.push(reason),
    });
    try {
      expect(watched.policy.name).toBe("v1");
      await writeFile(file, policy("v2"));
      await watched.reload();
      expect(watched.policy.name).toBe("v2");

      await writeFile(file, '{"name": "v3", "allow_rules": [');
      await watched.reload();
      expect(watched.policy.name).toBe("v2");
      expect(refused).toEqual([expect.stringMatching(/policy\.json: not JSON/)]);
      await watched.reload(); // the same broken file is reported once
      expect(refused).toHaveLength(1);

      await writeFile(file, policy("v4"));
      await watched.reload();
      expect(watched.policy.name).toBe("v4");
      expect(reloaded).toEqual(["v2", "v4"]);
    } finally {
      watched.close();
    }
  });
});
