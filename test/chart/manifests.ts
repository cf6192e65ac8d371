// The shape of rendered manifests, as the chart checks read them.

/** A rendered Kubernetes object, as parsed from `helm template`. */
export type K8sObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Labels;
    annotations?: Record<string, string>;
  };
  // Untyped on purpose: the checks read the specs of seven kinds (Deployment, StatefulSet, Pod,
  // Service, HPA, PDB, NetworkPolicy) and the tests break them by hand. Their
  // types are checked where they belong, against the Kubernetes schemas (k8s-validate.ts).
  // biome-ignore lint/suspicious/noExplicitAny: see above
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
};
/** Kubernetes labels (and matchLabels selectors). */
export type Labels = Record<string, string>;
/** A Kubernetes label selector (matchLabels and matchExpressions). */
export type LabelSelector = {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
};
/** A container spec; read field by field. */
// biome-ignore lint/suspicious/noExplicitAny: a container spec straight from the manifest
export type Container = any;
/** Something that runs pods, with what the checks need of it. */
export type Workload = {
  name: string;
  kind: string;
  labels: Labels;
  /** Its init containers, then its containers. */
  containers: Container[];
  /** The pod spec itself. */
  // biome-ignore lint/suspicious/noExplicitAny: a pod spec straight from the manifest
  pod: any;
  /** The pod template's annotations (a bare Pod's own). */
  annotations: Record<string, string>;
  /** Names of a StatefulSet's volumeClaimTemplates (volumes its pods mount too). */
  claims: string[];
};

/** Deployments, StatefulSets, Jobs and Pods with their pod labels and containers. */
export function workloadsOf(objects: readonly K8sObject[]): Workload[] {
  return objects.flatMap((object): Workload[] => {
    const name = object.metadata?.name ?? "?";
    const template =
      object.kind === "Deployment" || object.kind === "StatefulSet" || object.kind === "Job"
        ? (object.spec?.template ?? {})
        : object.kind === "Pod"
          ? { metadata: object.metadata, spec: object.spec }
          : undefined;
    if (!template) return [];
    const pod = template.spec ?? {};
    return [
      {
        name,
        kind: object.kind ?? "?",
        labels: template.metadata?.labels ?? {},
        containers: [...(pod.initContainers ?? []), ...(pod.containers ?? [])],
        pod,
        annotations: template.metadata?.annotations ?? {},
        claims: (object.spec?.volumeClaimTemplates ?? []).map(
          (claim: { metadata?: { name?: string } }) => claim.metadata?.name ?? "",
        ),
      },
    ];
  });
}

/** Whether a label selector selects `labels` (an empty selector selects all). */
export function matchesSelector(selector: LabelSelector, labels: Labels): boolean {
  return (
    selects(selector.matchLabels, labels) &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      if (operator === "In") return key in labels && values.includes(labels[key] ?? "");
      if (operator === "NotIn") return !(key in labels) || !values.includes(labels[key] ?? "");
      if (operator === "Exists") return key in labels;
      if (operator === "DoesNotExist") return !(key in labels);
      return false;
    })
  );
}

/** Whether a matchLabels-style selector selects `labels` (an empty selector selects all). */
export function selects(selector: Labels | undefined, labels: Labels): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
}
