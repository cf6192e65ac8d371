// The shape of rendered manifests, as the chart checks read them.

/** A rendered Kubernetes object, as parsed from `helm template`. */
export type K8sObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; labels?: Labels };
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
/** A container spec; read field by field. */
// biome-ignore lint/suspicious/noExplicitAny: a container spec straight from the manifest
export type Container = any;
/** Something that runs pods, with what the checks need of it. */
export type Workload = { name: string; kind: string; labels: Labels; containers: Container[] };

/** Deployments, StatefulSets and Pods with their pod labels and containers. */
export function workloadsOf(objects: readonly K8sObject[]): Workload[] {
  return objects.flatMap((object): Workload[] => {
    const name = object.metadata?.name ?? "?";
    if (object.kind === "Deployment" || object.kind === "StatefulSet") {
      const template = object.spec?.template ?? {};
      return [
        {
          name,
          kind: object.kind,
          labels: template.metadata?.labels ?? {},
          containers: template.spec?.containers ?? [],
        },
      ];
    }
    if (object.kind === "Pod") {
      return [
        {
          name,
          kind: "Pod",
          labels: object.metadata?.labels ?? {},
          containers: object.spec?.containers ?? [],
        },
      ];
    }
    return [];
  });
}

/** Whether a matchLabels-style selector selects `labels` (an empty selector selects all). */
export function selects(selector: Labels | undefined, labels: Labels): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
}
