// Issue #18 item 7: no Polaris `danger` and no kubescape NSA failure, with the default values and
// the production-like ones. The rules are written out (scanner-rules-*.ts): no scanner can be
// downloaded here. README "Scanner gates" lists what is knowingly exempted and why.
import { describe, expect, it } from "vitest";
import { render } from "./helm.js";
import { type K8sObject, workloadsOf } from "./manifests.js";
import type { ScannerRule } from "./scanner-rules.js";
import { kubescapeNsaRules } from "./scanner-rules-kubescape.js";
import { polarisDangerRules } from "./scanner-rules-polaris.js";

const rules = [...polarisDangerRules, ...kubescapeNsaRules];

/** Every failure of every rule, as "<scanner> <id>: <what>". */
function scan(objects: readonly K8sObject[], selected: readonly ScannerRule[] = rules): string[] {
  const workloads = workloadsOf(objects);
  return selected.flatMap((rule) =>
    rule.check(objects, workloads).map((failure) => `${rule.scanner} ${rule.id}: ${failure}`),
  );
}

describe.each([
  ["the default values", [] as string[], [] as string[]],
  ["the production-like values", ["production.yaml"], []],
  ["everything optional on (Jaeger, ServiceMonitor, every knob)", ["everything-on.yaml"], []],
])("with %s", (_label, values, sets) => {
  it("fails no Polaris danger check and no kubescape NSA control", async () => {
    expect(scan(await render({ values, sets }))).toEqual([]);
  });
});

describe("the rules themselves can fail", () => {
  it("catch a root, privileged, escalating, writable, unbounded container with secrets in sight", async () => {
    const objects = await render({ values: ["everything-on.yaml"] });
    const deployment = objects.find((o) => o.kind === "Deployment");
    const pod = deployment?.spec.template.spec;
    pod.hostNetwork = true;
    pod.securityContext = {};
    pod.automountServiceAccountToken = true;
    const container = pod.containers[0];
    container.image = "ghcr.io/shopmesh/shopmesh:latest";
    container.securityContext = { privileged: true, capabilities: { add: ["NET_ADMIN"] } };
    container.resources = { requests: { cpu: "100m" } };
    container.ports[0].hostPort = 50051;
    container.env.push({ name: "API_TOKEN", value: "hunter2" });
    const configMap = objects.find((o) => o.kind === "ConfigMap");
    if (configMap?.data) configMap.data.DB_PASSWORD = "hunter2";
    objects.push(
      { kind: "ClusterRole", metadata: { name: "exec" }, spec: undefined },
      {
        kind: "ClusterRoleBinding",
        metadata: { name: "admins" },
        spec: undefined,
      },
    );
    Object.assign(objects.at(-2) ?? {}, {
      rules: [{ resources: ["pods/exec"], verbs: ["create"] }],
    });
    Object.assign(objects.at(-1) ?? {}, {
      roleRef: { kind: "ClusterRole", name: "cluster-admin" },
    });
    for (const policy of objects.filter((o) => o.kind === "NetworkPolicy")) {
      policy.spec.podSelector = { matchLabels: { nothing: "here" } };
    }
    const failed = new Set(scan(objects).map((failure) => failure.split(":")[0]));
    expect([...failed].sort()).toEqual(
      [
        ...[
          "hostNetworkSet",
          "privilegeEscalationAllowed",
          "runAsRootAllowed",
          "runAsPrivileged",
          "dangerousCapabilities",
          "tagNotSpecified",
          "sensitiveContainerEnvVar",
          "sensitiveConfigmapContent",
          "clusterrolePodExecAttach / rolePodExecAttach",
          "*bindingPodExecAttach, *bindingClusterAdmin*",
        ].map((id) => `polaris ${id}`),
        ...[
          "C-0009 (C-0270, C-0271)",
          "C-0012",
          "C-0013",
          "C-0016",
          "C-0017",
          "C-0030",
          "C-0034",
          "C-0038, C-0041",
          "C-0044",
          "C-0046",
          "C-0055",
          "C-0057",
          "C-0002, C-0035",
        ].map((id) => `kubescape ${id}`),
      ].sort(),
    );
  });
});
