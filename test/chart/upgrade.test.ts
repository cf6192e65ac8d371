// Issue #18 item 8: `helm upgrade` from chart 0.1.0. A release installed with 0.1.0's defaults
// (test/chart/upgrade/0.1.0: its values, and what it rendered) upgraded to this chart with those
// values: the render is valid and consistent, changes no field Kubernetes refuses to change (but
// the one README "Upgrading" walks through), and keeps the password the lookup must find.
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseManifests, validateManifests } from "../support/k8s-validate.js";
import { crossReferenceProblems } from "./cross-references.js";
import { chart, find, render, runHelm } from "./helm.js";
import type { K8sObject } from "./manifests.js";

const fixtures = path.join(import.meta.dirname, "upgrade/0.1.0");
const previousValues = path.join(fixtures, "values.yaml");
// The password chart 0.1.0's render was made with (on a cluster, the lookup finds it).
const password = "postgresql.password=upgrade-test";

let installed: K8sObject[];
let upgraded: K8sObject[];

beforeAll(async () => {
  installed = parseManifests(await readFile(path.join(fixtures, "rendered.yaml"), "utf8"));
  upgraded = await render({ values: [previousValues], sets: [password] });
});

/** Fields Kubernetes refuses to change on an existing object, per kind. */
const immutable: Record<string, (spec: K8sObject["spec"]) => unknown> = {
  Deployment: (spec) => spec.selector,
  StatefulSet: (spec) => ({
    selector: spec.selector,
    serviceName: spec.serviceName,
    volumeClaimTemplates: spec.volumeClaimTemplates,
    podManagementPolicy: spec.podManagementPolicy,
  }),
  Service: (spec) => ({ clusterIP: spec.clusterIP ?? "(allocated)" }),
};

describe("helm upgrade from chart 0.1.0 with its default values", () => {
  it("renders objects valid against the Kubernetes schemas and consistent with each other", () => {
    expect(validateManifests(upgraded)).toEqual([]);
    expect(crossReferenceProblems(upgraded)).toEqual([]);
  });

  it("changes no immutable field but the StatefulSet's governing Service (README: Upgrading)", () => {
    const refused = installed.flatMap((before) => {
      const field = immutable[before.kind ?? ""];
      const after = upgraded.find(
        (o) => o.kind === before.kind && o.metadata?.name === before.metadata?.name,
      );
      if (!field || !after) return [];
      const [was, is] = [field(before.spec), field(after.spec)];
      return JSON.stringify(was) === JSON.stringify(is)
        ? []
        : [
            `${before.kind} ${before.metadata?.name}: ${JSON.stringify(was)} → ${JSON.stringify(is)}`,
          ];
    });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(
      /^StatefulSet shopmesh-postgresql: .*"serviceName":"shopmesh-postgresql".*"serviceName":"shopmesh-postgresql-headless"/,
    );
  });

  it("keeps the bundled database's Secret, its password key and its data volume", () => {
    const removed = installed
      .filter(
        (b) => !upgraded.some((a) => a.kind === b.kind && a.metadata?.name === b.metadata?.name),
      )
      .map((o) => `${o.kind} ${o.metadata?.name}`);
    expect(removed).toEqual([]);
    // The lookup reads this key of this Secret: chart 0.1.0 wrote it there.
    expect(
      Object.keys(find(installed, "Secret", "shopmesh-postgresql").stringData ?? {}),
    ).toContain("POSTGRES_PASSWORD");
    expect(find(upgraded, "Secret", "shopmesh-postgresql").stringData?.POSTGRES_PASSWORD).toBe(
      "upgrade-test",
    );
  });

  it("keeps what the previous values chose (their NetworkPolicy and PDB settings)", () => {
    expect(upgraded.some((o) => o.kind === "NetworkPolicy")).toBe(false);
    expect(find(upgraded, "PodDisruptionBudget", "shopmesh-order").spec).toMatchObject({
      minAvailable: 1,
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    });
  });
});

describe("--reuse-values", () => {
  let reused: string;
  beforeAll(async () => {
    // What --reuse-values renders: this chart's templates with 0.1.0's values (not this chart's
    // defaults).
    reused = await mkdtemp(path.join(os.tmpdir(), "shopmesh-reuse-"));
    await cp(chart, reused, { recursive: true });
    await cp(previousValues, path.join(reused, "values.yaml"));
  });
  afterAll(() => rm(reused, { recursive: true, force: true }));

  it("is refused, naming the settings the previous values lack", async () => {
    const { ok, output } = await runHelm(["template", "shopmesh", reused, "--set", password]);
    expect(ok).toBe(false);
    expect(output).toMatch(/missing propert(y|ies) .*'(probes|listenAddress)'/);
  });

  it("is not what the README recommends; the one immutable change is explained there", async () => {
    const readme = await readFile(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
    const commands = readme.split("\n").filter((line) => /^\s*helm upgrade/.test(line));
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.filter((line) => line.includes("--reuse-values"))).toEqual([]);
    expect(readme).toContain("--reset-then-reuse-values");
    expect(readme).toContain(
      "kubectl -n shop delete statefulset shopmesh-postgresql --cascade=orphan",
    );
  });
});
