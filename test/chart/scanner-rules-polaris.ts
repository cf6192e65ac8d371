// Every Polaris check of default severity `danger` (pkg/config/default.yaml), as offline checks.
// Polaris' webhook rejects a workload on any of these.
import type { Container } from "./manifests.js";
import {
  bindingsTo,
  containerFailures,
  effective,
  grantsExec,
  podFailures,
  polarisSensitiveName,
  type ScannerRule,
  sensitiveValue,
} from "./scanner-rules.js";

const dangerousCapabilities = ["ALL", "SYS_ADMIN", "NET_ADMIN"];

/** Polaris' danger checks. */
export const polarisDangerRules: readonly ScannerRule[] = [
  ...(["hostIPC", "hostPID", "hostNetwork"] as const).map(
    (field): ScannerRule => ({
      id: `${field}Set`,
      scanner: "polaris",
      title: `${field} is not set`,
      check: (_objects, workloads) =>
        podFailures(workloads, (w) => (w.pod[field] ? `${field} is true` : undefined)),
    }),
  ),
  {
    id: "privilegeEscalationAllowed",
    scanner: "polaris",
    title: "privilege escalation is not allowed",
    check: (_objects, workloads) =>
      containerFailures(workloads, (c) =>
        c.securityContext?.allowPrivilegeEscalation === false
          ? undefined
          : "allowPrivilegeEscalation is not false",
      ),
  },
  {
    id: "runAsRootAllowed",
    scanner: "polaris",
    title: "is not allowed to run as root",
    check: (_objects, workloads) =>
      containerFailures(workloads, (c, w) => {
        const nonRoot = effective(c, w, "runAsNonRoot") === true;
        const user = effective(c, w, "runAsUser");
        return nonRoot || (typeof user === "number" && user > 0)
          ? undefined
          : "may run as root (neither runAsNonRoot nor a non-zero runAsUser)";
      }),
  },
  {
    id: "runAsPrivileged",
    scanner: "polaris",
    title: "does not run privileged",
    check: (_objects, workloads) =>
      containerFailures(workloads, (c) =>
        c.securityContext?.privileged ? "privileged is true" : undefined,
      ),
  },
  {
    id: "dangerousCapabilities",
    scanner: "polaris",
    title: "adds no dangerous capability",
    check: (_objects, workloads) =>
      containerFailures(workloads, (c) => {
        const added: string[] = c.securityContext?.capabilities?.add ?? [];
        const bad = added.filter((cap) => dangerousCapabilities.includes(cap.toUpperCase()));
        return bad.length > 0 ? `adds ${bad.join(", ")}` : undefined;
      }),
  },
  {
    id: "tagNotSpecified",
    scanner: "polaris",
    title: "the image names a tag (or digest), not latest",
    check: (_objects, workloads) =>
      containerFailures(workloads, (c) => {
        const image = String(c.image ?? "");
        return /^.+:.+$/.test(image) && !/^.+:latest$/.test(image)
          ? undefined
          : `image ${image} names no tag or latest`;
      }),
  },
  {
    id: "sensitiveContainerEnvVar",
    scanner: "polaris",
    title: "no credential in a container's environment",
    check: (_objects, workloads) =>
      containerFailures(workloads, (c) => {
        const bad = (c.env ?? []).filter(
          (env: Container) =>
            env.value !== undefined &&
            (polarisSensitiveName.test(env.name) || sensitiveValue.test(String(env.value))),
        );
        return bad.length > 0
          ? `${bad.map((e: Container) => e.name).join(", ")} carry a literal value`
          : undefined;
      }),
  },
  {
    id: "sensitiveConfigmapContent",
    scanner: "polaris",
    title: "no credential in a ConfigMap",
    check: (objects) =>
      objects
        .filter((o) => o.kind === "ConfigMap")
        .flatMap((configMap) =>
          Object.entries(configMap.data ?? {})
            .filter(([key]) => polarisSensitiveName.test(key))
            .map(
              ([key]) => `ConfigMap ${configMap.metadata?.name}: key ${key} reads as a credential`,
            )
            .concat(
              Object.entries(configMap.data ?? {})
                .filter(([, value]) => /-BEGIN\s+.*PRIVATE KEY-/i.test(value))
                .map(
                  ([key]) => `ConfigMap ${configMap.metadata?.name}: ${key} holds a private key`,
                ),
            ),
        ),
  },
  {
    id: "clusterrolePodExecAttach / rolePodExecAttach",
    scanner: "polaris",
    title: "no role grants exec or attach into pods",
    check: (objects) =>
      objects
        .filter((o) => (o.kind === "Role" || o.kind === "ClusterRole") && grantsExec(o))
        .map((role) => `${role.kind} ${role.metadata?.name}: grants pods/exec or pods/attach`),
  },
  {
    id: "*bindingPodExecAttach, *bindingClusterAdmin*",
    scanner: "polaris",
    title: "no binding to cluster-admin or to a role that grants exec",
    check: (objects) =>
      bindingsTo(
        objects,
        (ref) =>
          ref.name === "cluster-admin" ||
          objects.some(
            (o) => o.kind === ref.kind && o.metadata?.name === ref.name && grantsExec(o),
          ),
      ).map((binding) => `${binding}: binds cluster-admin or exec/attach into pods`),
  },
];
