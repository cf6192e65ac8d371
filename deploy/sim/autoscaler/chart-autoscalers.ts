import { type ServiceName, serviceNames } from "../../local/mesh.js";
import {
  type AutoscalerSpec,
  type ScalingPolicy,
  type ScalingRules,
  withDefaults,
} from "./spec.js";

/** What the simulation needs to autoscale one service: the HPA and the pods' CPU request. */
export interface ServiceAutoscaling {
  readonly spec: AutoscalerSpec;
  /** The Deployment's CPU request per pod (sum over containers), millicores. */
  readonly cpuRequestMillicores: number;
}

type Rules = {
  stabilizationWindowSeconds?: number;
  selectPolicy?: string;
  policies?: ScalingPolicy[];
};
type Manifest = {
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    scaleTargetRef?: { kind?: string; name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: {
      type?: string;
      resource?: { name?: string; target?: { type?: string; averageUtilization?: number } };
    }[];
    behavior?: { scaleUp?: Rules; scaleDown?: Rules };
    template?: {
      spec?: { containers?: { resources?: { requests?: { cpu?: string | number } } }[] };
    };
  };
};

/**
 * Reads each service's HorizontalPodAutoscaler and its Deployment's CPU request from the
 * rendered chart (see `renderChart`), so the simulated controller acts on exactly what a cluster
 * would. A service whose HPA is disabled in the values is absent from the result.
 */
export function readAutoscalers(
  rendered: readonly unknown[],
): Partial<Record<ServiceName, ServiceAutoscaling>> {
  const manifests = rendered as Manifest[];
  const result: Partial<Record<ServiceName, ServiceAutoscaling>> = {};
  for (const service of serviceNames) {
    const deploymentName = `shopmesh-${service}`;
    const hpa = manifests.find(
      (m) =>
        m.kind === "HorizontalPodAutoscaler" && m.spec?.scaleTargetRef?.name === deploymentName,
    );
    if (!hpa?.spec) continue;
    const deployment = manifests.find(
      (m) => m.kind === "Deployment" && m.metadata?.name === deploymentName,
    );
    const containers = deployment?.spec?.template?.spec?.containers ?? [];
    if (containers.length === 0)
      throw new Error(`the chart renders no Deployment ${deploymentName}`);
    const requests = containers.map((container) =>
      parseCpu(container.resources?.requests?.cpu, deploymentName),
    );
    const cpu = hpa.spec.metrics?.find(
      (metric) => metric.type === "Resource" && metric.resource?.name === "cpu",
    );
    // With a second metric the controller scales to the larger count; only CPU is simulated.
    const other = hpa.spec.metrics?.find((metric) => metric !== cpu);
    if (other)
      throw new Error(
        `HorizontalPodAutoscaler for ${deploymentName}: the simulation computes the cpu metric only, not ${other.type}`,
      );
    const target = cpu?.resource?.target;
    if (target?.type !== "Utilization" || typeof target.averageUtilization !== "number") {
      throw new Error(`HorizontalPodAutoscaler for ${deploymentName}: no cpu Utilization target`);
    }
    const { minReplicas = 1, maxReplicas } = hpa.spec;
    if (typeof maxReplicas !== "number")
      throw new Error(`HorizontalPodAutoscaler for ${deploymentName}: no maxReplicas`);
    // A v2 HPA without behavior takes another code path in the controller (no policies, 2× or +4
    // per sync); the chart always renders behavior, and only that path is simulated.
    if (!hpa.spec.behavior)
      throw new Error(`HorizontalPodAutoscaler for ${deploymentName}: no spec.behavior`);
    result[service] = {
      spec: {
        minReplicas,
        maxReplicas,
        targetCpuUtilization: target.averageUtilization,
        behavior: withDefaults({
          scaleUp: rules(hpa.spec.behavior.scaleUp, deploymentName),
          scaleDown: rules(hpa.spec.behavior.scaleDown, deploymentName),
        }),
      },
      cpuRequestMillicores: requests.reduce((sum, request) => sum + request, 0),
    };
  }
  return result;
}

function rules(input: Rules | undefined, owner: string): Partial<ScalingRules> | undefined {
  if (!input) return undefined;
  const { selectPolicy, policies, stabilizationWindowSeconds } = input;
  if (
    selectPolicy !== undefined &&
    selectPolicy !== "Max" &&
    selectPolicy !== "Min" &&
    selectPolicy !== "Disabled"
  ) {
    throw new Error(
      `HorizontalPodAutoscaler for ${owner}: selectPolicy ${selectPolicy} is not Max, Min or Disabled`,
    );
  }
  for (const policy of policies ?? []) {
    if (
      (policy.type !== "Pods" && policy.type !== "Percent") ||
      !(policy.value > 0) ||
      !(policy.periodSeconds > 0)
    ) {
      throw new Error(`HorizontalPodAutoscaler for ${owner}: bad policy ${JSON.stringify(policy)}`);
    }
  }
  return {
    ...(stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds } : {}),
    ...(selectPolicy !== undefined ? { selectPolicy } : {}),
    ...(policies !== undefined ? { policies } : {}),
  };
}

/** A Kubernetes CPU quantity ("100m", "1", "0.5", 2) in millicores. */
export function parseCpu(quantity: string | number | undefined, owner: string): number {
  const text = String(quantity ?? "");
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text);
  if (!match) throw new Error(`${owner}: CPU request "${text}" is missing or not a CPU quantity`);
  const value = Number(match[1]);
  return match[2] === "m" ? value : value * 1000;
}
