// The controls of kubescape's NSA framework that a chart's manifests can fail, as offline checks
// (the regolibrary rules named in each id). The framework's cluster-level controls (API server,
// kubelet, etcd encryption, audit logs, admission, CVEs of cluster components) concern no chart:
// README "Scanner gates".
import { selects } from "./manifests.js";
import {
  addsAny,
  adminOrExecBindings,
  containerFailures,
  effective,
  isPrivileged,
  kubescapeSensitiveNames,
  literalCredentials,
  mayEscalate,
  podFailures,
  type ScannerRule,
  sensitiveValue,
} from "./scanner-rules.js";

// C-0046's list (kubescape's insecureCapabilities control input).
const insecureCapabilities = [
  "SETPCAP",
  "NET_ADMIN",
  "NET_RAW",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_PTRACE",
  "SYS_ADMIN",
  "SYS_BOOT",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "PERFMON",
  "ALL",
  "BPF",
];

const readsAsCredential = (name: string) =>
  kubescapeSensitiveNames.some((word) => name.toLowerCase().includes(word));

/** kubescape's NSA controls over workloads, ConfigMaps, NetworkPolicies and RBAC. */
export const kubescapeNsaRules: readonly ScannerRule[] = [
  {
    id: "C-0009 (C-0270, C-0271)",
    scanner: "kubescape",
    title: "resource limits",
    check: (_objects, workloads) =>
      containerFailures(workloads, (c) =>
        c.resources?.limits?.cpu && c.resources?.limits?.memory
          ? undefined
          : "has no CPU and memory limits",
      ),
  },
  {
    id: "C-0012",
    scanner: "kubescape",
    title: "applications credentials in configuration files",
    check: (objects, workloads) => [
      ...containerFailures(workloads, literalCredentials(readsAsCredential)),
      ...objects
        .filter((o) => o.kind === "ConfigMap")
        .flatMap((configMap) =>
          Object.entries(configMap.data ?? {})
            .filter(([key, value]) => readsAsCredential(key) || sensitiveValue.test(value))
            .map(([key]) => `ConfigMap ${configMap.metadata?.name}: ${key} reads as a credential`),
        ),
    ],
  },
  {
    id: "C-0013",
    scanner: "kubescape",
    title: "non-root containers",
    check: (_objects, workloads) =>
      containerFailures(workloads, (c, w) => {
        const user = effective(c, w, "runAsUser");
        const group = effective(c, w, "runAsGroup");
        if (effective(c, w, "runAsNonRoot") !== true && !(typeof user === "number" && user > 0))
          return "may run as root";
        if (!(typeof group === "number" && group > 0)) return "may run with the root group";
        return mayEscalate(c);
      }),
  },
  {
    id: "C-0016",
    scanner: "kubescape",
    title: "allow privilege escalation",
    check: (_objects, workloads) => containerFailures(workloads, mayEscalate),
  },
  {
    id: "C-0017",
    scanner: "kubescape",
    title: "immutable container filesystem",
    check: (_objects, workloads) =>
      containerFailures(workloads, (c) =>
        c.securityContext?.readOnlyRootFilesystem === true
          ? undefined
          : "readOnlyRootFilesystem is not true",
      ),
  },
  {
    id: "C-0030",
    scanner: "kubescape",
    title: "ingress and egress blocked",
    check: (objects, workloads) =>
      podFailures(workloads, (w) =>
        objects.some(
          (o) =>
            o.kind === "NetworkPolicy" &&
            selects(o.spec?.podSelector?.matchLabels, w.labels) &&
            ["Ingress", "Egress"].every((type) => (o.spec?.policyTypes ?? []).includes(type)),
        )
          ? undefined
          : "no NetworkPolicy of both directions selects its pods",
      ),
  },
  {
    id: "C-0034",
    scanner: "kubescape",
    title: "automatic mapping of service account",
    check: (objects, workloads) =>
      podFailures(workloads, (w) => {
        if (w.pod.automountServiceAccountToken === false) return undefined;
        const account = objects.find(
          (o) =>
            o.kind === "ServiceAccount" &&
            o.metadata?.name === (w.pod.serviceAccountName ?? "default"),
        ) as { automountServiceAccountToken?: boolean } | undefined;
        return account?.automountServiceAccountToken === false &&
          !w.pod.automountServiceAccountToken
          ? undefined
          : "mounts a service account token";
      }),
  },
  {
    id: "C-0038, C-0041",
    scanner: "kubescape",
    title: "host PID/IPC privileges, hostNetwork access",
    check: (_objects, workloads) =>
      podFailures(workloads, (w) =>
        w.pod.hostPID || w.pod.hostIPC || w.pod.hostNetwork ? "shares a host namespace" : undefined,
      ),
  },
  {
    id: "C-0044",
    scanner: "kubescape",
    title: "container hostPort",
    check: (_objects, workloads) =>
      containerFailures(workloads, (c) =>
        (c.ports ?? []).some((p: { hostPort?: number }) => p.hostPort)
          ? "binds a hostPort"
          : undefined,
      ),
  },
  {
    id: "C-0046",
    scanner: "kubescape",
    title: "insecure capabilities",
    check: (_objects, workloads) => containerFailures(workloads, addsAny(insecureCapabilities)),
  },
  {
    id: "C-0055",
    scanner: "kubescape",
    title: "Linux hardening",
    check: (_objects, workloads) =>
      containerFailures(workloads, (c, w) => {
        const seccomp = (c.securityContext?.seccompProfile ?? w.pod.securityContext?.seccompProfile)
          ?.type;
        const hardened =
          (seccomp && seccomp !== "Unconfined") ||
          c.securityContext?.seLinuxOptions ||
          w.pod.securityContext?.seLinuxOptions ||
          (c.securityContext?.capabilities?.drop ?? []).length > 0;
        return hardened ? undefined : "no seccomp profile, SELinux options or dropped capabilities";
      }),
  },
  {
    id: "C-0057",
    scanner: "kubescape",
    title: "privileged container",
    check: (_objects, workloads) => containerFailures(workloads, isPrivileged),
  },
  {
    id: "C-0002, C-0035",
    scanner: "kubescape",
    title: "exec into container, cluster-admin binding",
    check: adminOrExecBindings,
  },
];
