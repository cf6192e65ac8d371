// Every Polaris check of default severity `danger` (pkg/config/default.yaml), as offline checks.
// Polaris' webhook rejects a workload on any of these.
import {
  addsAny,
  adminOrExecBindings,
  containerFailures,
  effective,
  grantsExec,
  isPrivileged,
  literalCredentials,
  mayEscalate,
  podFailures,
  polarisSensitiveName,
  type ScannerRule,
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
    check: (_objects, workloads) => containerFailures(workloads, mayEscalate),
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
    check: (_objects, workloads) => containerFailures(workloads, isPrivileged),
  },
  {
    id: "dangerousCapabilities",
    scanner: "polaris",
    title: "adds no dangerous capability",
    check: (_objects, workloads) => containerFailures(workloads, addsAny(dangerousCapabilities)),
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
      containerFailures(
        workloads,
        literalCredentials((name) => polarisSensitiveName.test(name)),
      ),
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
    check: adminOrExecBindings,
  },
];
