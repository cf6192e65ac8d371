// Issue #18 items 2 and 3: disruption budgets that neither hang drains nor allow mass eviction,
// refused when they could never be met; rollouts that follow exactly the changes that concern a
// service (its own settings, its own database URL).
import { describe, expect, it } from "vitest";
import { chart, find, render, runHelm, testPassword } from "./helm.js";
import type { K8sObject } from "./manifests.js";

const services = ["user", "product", "order"] as const;

const annotation = (objects: K8sObject[], service: string, key: string) =>
  find(objects, "Deployment", `shopmesh-${service}`).spec.template.metadata.annotations[key];

/** The checksum annotations of each service's pods. */
const checksums = (objects: K8sObject[], key: string) =>
  Object.fromEntries(services.map((s) => [s, annotation(objects, s, key)]));

/** The services whose checksum `key` differs between two renders. */
function changed(before: K8sObject[], after: K8sObject[], key: string): string[] {
  const a = checksums(before, key);
  const b = checksums(after, key);
  return services.filter((s) => a[s] !== b[s]);
}

async function refusal(sets: string): Promise<string> {
  const { ok, output } = await runHelm([
    ...["template", "shopmesh", chart, "--set", testPassword, "--set", sets],
  ]);
  expect(ok, "the render should have been refused").toBe(false);
  return output;
}

describe("PodDisruptionBudgets", () => {
  it("let one pod go at a time, and unready pods always, by default", async () => {
    const objects = await render();
    for (const service of services) {
      const pdb = find(objects, "PodDisruptionBudget", `shopmesh-${service}`).spec;
      expect(pdb).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" });
      expect(pdb.minAvailable).toBeUndefined();
    }
  });

  it("take minAvailable instead when it is set, and can be switched off", async () => {
    const objects = await render({
      sets: ["services.order.pdb.minAvailable=1", "services.user.pdb.enabled=false"],
    });
    expect(find(objects, "PodDisruptionBudget", "shopmesh-order").spec).toMatchObject({
      minAvailable: 1,
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    });
    expect(
      objects.some((o) => o.metadata?.name === "shopmesh-user" && o.kind === "PodDisruptionBudget"),
    ).toBe(false);
  });

  it("allow a single replica without autoscaling (a drain evicts it rather than hang)", async () => {
    const objects = await render({
      sets: ["services.user.autoscaling.enabled=false,services.user.replicas=1"],
    });
    expect(find(objects, "PodDisruptionBudget", "shopmesh-user").spec.maxUnavailable).toBe(1);
  });

  it.each([
    [
      "services.user.autoscaling.enabled=false,services.user.replicas=1,services.user.pdb.minAvailable=1",
      "services.user.pdb.minAvailable (1) must be below the replicas (1)",
    ],
    [
      "services.order.pdb.minAvailable=2",
      "services.order.pdb.minAvailable (2) must be below the autoscaling.minReplicas (2)",
    ],
    ["services.product.pdb.minAvailable=100%", "services.product.pdb.minAvailable (100%)"],
    [
      "services.order.autoscaling.minReplicas=5,services.order.autoscaling.maxReplicas=3",
      "services.order.autoscaling: minReplicas (5) must not exceed maxReplicas (3)",
    ],
    ["services.user.pdb.maxUnavailable=0", "/services/user/pdb/maxUnavailable"],
  ])("refuse %s, as a budget that could never be met", async (sets, message) => {
    expect(await refusal(sets)).toContain(message);
  });
});

describe("rollouts", () => {
  it("follow a change to one service's settings in that service alone", async () => {
    const before = await render();
    const after = await render({
      sets: ["services.product.env.NODE_OPTIONS=--max-semi-space-size=2"],
    });
    expect(changed(before, after, "checksum/config")).toEqual(["product"]);
    expect(changed(before, after, "checksum/database")).toEqual([]);
    const shared = await render({ sets: ["logLevel=debug"] });
    expect(changed(before, shared, "checksum/config")).toEqual([...services]);
  });

  it("follow a change to a service's database URL in that service alone", async () => {
    const external = (userUrl: string) =>
      render({
        values: ["everything-off.yaml"],
        sets: [`database.urls.user=${userUrl}`],
      });
    const before = await external("postgres://shop:one@db.example.com:5432/shopmesh_user");
    const after = await external("postgres://shop:two@db.example.com:5432/shopmesh_user");
    expect(changed(before, after, "checksum/database")).toEqual(["user"]);
    expect(changed(before, after, "checksum/config")).toEqual([]);
  });

  it("follow a new password of the bundled PostgreSQL in every service and the database", async () => {
    const before = await render();
    const after = await render({ sets: ["postgresql.password=another-one"] });
    expect(changed(before, after, "checksum/database")).toEqual([...services]);
    const restarts = (objects: K8sObject[]) =>
      find(objects, "StatefulSet", "shopmesh-postgresql").spec.template.metadata.annotations[
        "checksum/passwords"
      ];
    expect(restarts(after)).not.toBe(restarts(before));
  });
});
