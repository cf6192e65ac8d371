// Check (d): closed sets of values the schemas leave open. The JSON schemas carry the enums that
// Kubernetes tags in its API types (Service type, imagePullPolicy, restartPolicy, …), but the
// autoscaling/v2 types are untagged upstream: an HPA metric of type "Cpu" passes the schema and
// the round trip, and only the API server would reject it. Values as of Kubernetes 1.33.
import { type GroupVersionKind, isRecord } from "./k8s-validate-object.js";

/** A field path ("[]" = every element of a list) and the values Kubernetes accepts there. */
interface Rule {
  readonly path: string;
  readonly values: readonly string[];
}

const METRIC_SOURCES = ["containerResource", "external", "object", "pods", "resource"];
const SCALING_RULES = ["spec.behavior.scaleUp", "spec.behavior.scaleDown"];

const RULES: ReadonlyMap<string, readonly Rule[]> = new Map([
  [
    "autoscaling/v2 HorizontalPodAutoscaler",
    [
      {
        path: "spec.metrics[].type",
        values: ["ContainerResource", "External", "Object", "Pods", "Resource"],
      },
      ...METRIC_SOURCES.map((source) => ({
        path: `spec.metrics[].${source}.target.type`,
        values: ["AverageValue", "Utilization", "Value"],
      })),
      ...SCALING_RULES.flatMap((rules) => [
        { path: `${rules}.selectPolicy`, values: ["Disabled", "Max", "Min"] },
        { path: `${rules}.policies[].type`, values: ["Percent", "Pods"] },
      ]),
    ],
  ],
]);

/** Fields whose string value is outside the set Kubernetes accepts for them. */
export function enumProblems(object: Record<string, unknown>, gvk: GroupVersionKind): string[] {
  const rules = RULES.get(`${gvk.apiVersion} ${gvk.kind}`) ?? [];
  return rules.flatMap(({ path, values }) =>
    valuesAt(object, path.split("."), "").flatMap(([where, value]) =>
      // A value that is not a string at all is the schema check's to report.
      typeof value === "string" && !values.includes(value)
        ? [`${where} must be one of ${values.join(", ")} (is ${JSON.stringify(value)})`]
        : [],
    ),
  );
}

/** The values at a rule path, each with its concrete path (`spec.metrics[1].type`). */
function valuesAt(node: unknown, steps: readonly string[], where: string): [string, unknown][] {
  const [step, ...rest] = steps;
  if (step === undefined) return [[where, node]];
  if (!isRecord(node)) return [];
  const each = step.endsWith("[]");
  const key = each ? step.slice(0, -2) : step;
  const child = node[key];
  const childPath = where === "" ? key : `${where}.${key}`;
  if (child === undefined) return [];
  if (!each) return valuesAt(child, rest, childPath);
  if (!Array.isArray(child)) return [];
  return child.flatMap((item, index) => valuesAt(item, rest, `${childPath}[${index}]`));
}
