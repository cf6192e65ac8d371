import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureTrustDomain } from "./trust-domain.js";

// A local trust domain's policy files across an upgrade: what `make run` finds in .data/trust
// when a newer version starts on it. Real files in a temporary folder.
describe("the local trust domain's policy files across versions", () => {
  let dir: string;
  let notes: string[];
  const start = () => ensureTrustDomain({ dir, onNote: (line) => notes.push(line) });
  const manifestFile = () => path.join(dir, "trust-domain.json");
  const readManifest = async () => JSON.parse(await readFile(manifestFile(), "utf8"));
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-policies-"));
    notes = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("writes each default once and records what it wrote", async () => {
    const domain = await start();
    const text = await readFile(domain.policyFile("product"), "utf8");
    expect(text).toContain("ReservationService/ReserveStock");
    expect((await readManifest()).policyDefaults.product).toBe(sha(text));
    await start();
    expect(notes).toEqual([]);
  });

  it("replaces an earlier version's default, left unedited, with this version's", async () => {
    const domain = await start();
    const file = domain.policyFile("product");
    const current = await readFile(file, "utf8");
    // What an earlier version wrote and recorded: without the reservation methods.
    const earlier = current.replace(
      /\s*"\/shopmesh\.inventory\.v1\.ReservationService\/\w+",?/g,
      "",
    );
    expect(earlier).not.toBe(current);
    await writeFile(file, earlier);
    const manifest = await readManifest();
    manifest.policyDefaults.product = sha(earlier);
    await writeFile(manifestFile(), JSON.stringify(manifest));
    await start();
    expect(await readFile(file, "utf8")).toBe(current);
    expect(notes).toEqual([`authorization policy ${file} updated to this version's default`]);
  });

  it("keeps an edited policy as it is, puts this version's default beside it, and says so", async () => {
    const domain = await start();
    const file = domain.policyFile("user");
    const current = await readFile(file, "utf8");
    const edited = current.replace('"name": "user"', '"name": "user, edited"');
    expect(edited).not.toBe(current);
    await writeFile(file, edited);
    await start();
    expect(await readFile(file, "utf8")).toBe(edited);
    expect(await readFile(`${file}.default`, "utf8")).toBe(current);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`authorization policy ${file} kept as it is`);
    expect(notes[0]).toContain(`${file}.default`);
  });

  it("keeps a policy an older version wrote without recording it (it may have been edited)", async () => {
    const domain = await start();
    const file = domain.policyFile("order");
    const { policyDefaults: _, ...older } = await readManifest();
    await writeFile(manifestFile(), JSON.stringify(older));
    await writeFile(file, '{"name": "order", "allow_rules": []}\n');
    await start();
    expect(await readFile(file, "utf8")).toBe('{"name": "order", "allow_rules": []}\n');
    expect(existsSync(`${file}.default`)).toBe(true);
    expect(notes[0]).toContain("kept as it is");
  });
});
