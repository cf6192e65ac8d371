// `helm upgrade` from chart 0.2.0 (plaintext: insecurePlaintext was its default) to this chart
// (mTLS by default). With --reset-then-reuse-values or a values file that does not set
// insecurePlaintext, the upgrade turns mTLS on: the pre-upgrade Job makes the certificates before
// any Deployment changes, then each service rolls. With 0.2.0's whole default values file (which
// says insecurePlaintext: true) it stays plaintext until that line goes. README "Upgrading".
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseManifests, validateManifests } from "../support/k8s-validate.js";
import { crossReferenceProblems } from "./cross-references.js";
import { find, render } from "./helm.js";
import type { K8sObject } from "./manifests.js";

const fixtures = path.join(import.meta.dirname, "upgrade/0.2.0");
const password = "postgresql.password=upgrade-test";
const services = ["user", "product", "order"] as const;

let installed: K8sObject[];
beforeAll(async () => {
  installed = parseManifests(await readFile(path.join(fixtures, "rendered.yaml"), "utf8"));
});

/** Objects of the installed release that the upgrade would delete. */
const removedBy = (upgraded: K8sObject[]) =>
  installed
    .filter(
      (b) => !upgraded.some((a) => a.kind === b.kind && a.metadata?.name === b.metadata?.name),
    )
    .map((o) => `${o.kind} ${o.metadata?.name}`);

describe("helm upgrade from chart 0.2.0 (plaintext) with only the values the user set", () => {
  let upgraded: K8sObject[];
  beforeAll(async () => {
    // --reset-then-reuse-values: the user's own values (here the password) over the new defaults.
    upgraded = await render({ sets: [password] });
  });

  it("turns mTLS on, with certificates made by a pre-upgrade hook before any pod rolls", () => {
    for (const name of services)
      expect(find(upgraded, "ConfigMap", `shopmesh-${name}`).data?.INSECURE_PLAINTEXT).toBe(
        "false",
      );
    const job = find(upgraded, "Job", "shopmesh-trust-issuer");
    expect(job.metadata?.annotations?.["helm.sh/hook"]).toContain("pre-upgrade");
  });

  it("renders valid, consistent objects, keeps every Deployment selector and drops nothing", () => {
    expect(validateManifests(upgraded)).toEqual([]);
    expect(crossReferenceProblems(upgraded)).toEqual([]);
    expect(removedBy(upgraded)).toEqual([]);
    for (const before of installed.filter((o) => o.kind === "Deployment")) {
      const after = find(upgraded, "Deployment", before.metadata?.name ?? "");
      expect(after.spec.selector).toEqual(before.spec.selector);
    }
  });

  it("rolls every service (its settings changed), one surge pod at a time", () => {
    for (const name of services) {
      const checksum = (objects: K8sObject[]) =>
        find(objects, "Deployment", `shopmesh-${name}`).spec.template.metadata.annotations[
          "checksum/config"
        ];
      expect(checksum(upgraded)).not.toBe(checksum(installed));
      expect(find(upgraded, "Deployment", `shopmesh-${name}`).spec.strategy.rollingUpdate).toEqual({
        maxSurge: 1,
        maxUnavailable: 0,
      });
    }
  });
});

describe("helm upgrade from chart 0.2.0 with its whole default values file", () => {
  it("stays plaintext (that file says insecurePlaintext: true), valid and consistent", async () => {
    const upgraded = await render({
      values: [path.join(fixtures, "values.yaml")],
      sets: [password],
    });
    expect(validateManifests(upgraded)).toEqual([]);
    expect(crossReferenceProblems(upgraded)).toEqual([]);
    expect(removedBy(upgraded)).toEqual([]);
    expect(upgraded.some((o) => o.kind === "Job")).toBe(false);
    expect(find(upgraded, "ConfigMap", "shopmesh-order").data?.INSECURE_PLAINTEXT).toBe("true");
  });
});
