// What the scanners' rules share: a rule's shape, and the reading of pods and RBAC they all do.
// Polaris and kubescape cannot be downloaded here (no network for their binaries or rule
// libraries), so their rules that a rendered chart can fail are written out as checks, from
// their published definitions (Polaris pkg/config/checks/*.yaml, kubescape regolibrary rules).
import type { Container, K8sObject, Workload } from "./manifests.js";

/** One scanner rule, checked offline against rendered objects. */
export interface ScannerRule {
  /** The scanner's own id: Polaris check name, kubescape control id. */
  readonly id: string;
  readonly scanner: "polaris" | "kubescape";
  readonly title: string;
  /** One sentence per failure, naming the object (and container). */
  readonly check: (objects: readonly K8sObject[], workloads: readonly Workload[]) => string[];
}

/** "Deployment shopmesh-order"; with the container when given. */
export function where(w: Workload, container?: Container): string {
  return container ? `${w.kind} ${w.name} container ${container.name}` : `${w.kind} ${w.name}`;
}

/** Each container of each workload, with its workload, where `fails` says so. */
export function containerFailures(
  workloads: readonly Workload[],
  fails: (container: Container, w: Workload) => string | undefined,
): string[] {
  return workloads.flatMap((w) =>
    w.containers.flatMap((container: Container) => {
      const problem = fails(container, w);
      return problem ? [`${where(w, container)}: ${problem}`] : [];
    }),
  );
}

/** Each workload whose pod spec `fails`. */
export function podFailures(
  workloads: readonly Workload[],
  fails: (w: Workload) => string | undefined,
): string[] {
  return workloads.flatMap((w) => {
    const problem = fails(w);
    return problem ? [`${where(w)}: ${problem}`] : [];
  });
}

/** A container's effective setting: its own securityContext's, else the pod's. */
export function effective(container: Container, w: Workload, field: string): unknown {
  return container.securityContext?.[field] ?? w.pod.securityContext?.[field];
}

type PolicyRule = { resources?: string[]; verbs?: string[] };

/** Whether a Role/ClusterRole lets its subjects exec or attach into pods. */
export function grantsExec(role: K8sObject): boolean {
  const rules: PolicyRule[] = (role as { rules?: PolicyRule[] }).rules ?? [];
  return rules.some(
    (rule) =>
      (rule.resources ?? []).some((r) => ["pods/exec", "pods/attach", "*"].includes(r)) &&
      (rule.verbs ?? []).some((v) => ["create", "get", "*"].includes(v)),
  );
}

/** RoleBindings and ClusterRoleBindings whose role `matches`. */
export function bindingsTo(
  objects: readonly K8sObject[],
  matches: (roleRef: { kind: string; name: string }) => boolean,
): string[] {
  return objects
    .filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")
    .filter((binding) => matches((binding as { roleRef: { kind: string; name: string } }).roleRef))
    .map((binding) => `${binding.kind} ${binding.metadata?.name}`);
}

/** Names that read as credentials: Polaris' sensitive* checks (case-insensitive patterns). */
export const polarisSensitiveName =
  /^AWS_SECRET_ACCESS_KEY$|^GOOGLE_APPLICATION_CREDENTIALS$|^AZURE_.+KEY$|^OCI_CLI_KEY_CONTENT$|password|token|bearer|secret/i;
/** Substrings that read as credentials: kubescape's default sensitiveKeyNames (C-0012). */
export const kubescapeSensitiveNames = [
  "aws_secret_access_key",
  "azure_batchai_storage_key",
  "azure_batch_key",
  "secret",
  "key",
  "password",
  "pwd",
  "token",
  "jwt",
  "bearer",
  "credential",
];
/** Values that read as credentials (a private key, a JWT): both scanners. */
export const sensitiveValue = /-BEGIN\s+.*PRIVATE KEY-|PRIVATE KEY|eyJhbGciO/i;

/** A container that adds any of `capabilities`: what it adds. */
export function addsAny(capabilities: readonly string[]) {
  return (c: Container): string | undefined => {
    const added: string[] = c.securityContext?.capabilities?.add ?? [];
    const bad = added.filter((cap) => capabilities.includes(cap.toUpperCase()));
    return bad.length > 0 ? `adds ${bad.join(", ")}` : undefined;
  };
}

/** A container that may gain privileges (allowPrivilegeEscalation not explicitly false). */
export function mayEscalate(c: Container): string | undefined {
  return c.securityContext?.allowPrivilegeEscalation === false
    ? undefined
    : "allowPrivilegeEscalation is not false";
}

/** A privileged container. */
export function isPrivileged(c: Container): string | undefined {
  return c.securityContext?.privileged ? "privileged is true" : undefined;
}

/** Environment variables with a literal value that reads as a credential by name or value. */
export function literalCredentials(isCredentialName: (name: string) => boolean) {
  return (c: Container): string | undefined => {
    const bad = (c.env ?? []).filter(
      (env: Container) =>
        env.value !== undefined &&
        (isCredentialName(env.name) || sensitiveValue.test(String(env.value))),
    );
    return bad.length > 0
      ? `${bad.map((e: Container) => e.name).join(", ")} carry a literal value`
      : undefined;
  };
}

/** Bindings to cluster-admin or to a role of the render that grants exec/attach into pods. */
export function adminOrExecBindings(objects: readonly K8sObject[]): string[] {
  return bindingsTo(
    objects,
    (ref) =>
      ref.name === "cluster-admin" ||
      objects.some((o) => o.kind === ref.kind && o.metadata?.name === ref.name && grantsExec(o)),
  ).map((binding) => `${binding}: binds cluster-admin or exec/attach into pods`);
}
