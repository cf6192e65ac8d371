/** The fields of an autoscaling/v2 HorizontalPodAutoscaler that the controller acts on. */
export interface AutoscalerSpec {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** `metrics[].resource.target.averageUtilization` of the cpu Resource metric, in percent. */
  readonly targetCpuUtilization: number;
  readonly behavior: Behavior;
}

/** `spec.behavior`, every field filled in (see `withDefaults`). */
export interface Behavior {
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
}

/** `spec.behavior.scaleUp` or `.scaleDown` (HPAScalingRules). */
export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: SelectPolicy;
  readonly policies: readonly ScalingPolicy[];
}

/** Which policy wins when several allow different changes. */
export type SelectPolicy = "Max" | "Min" | "Disabled";

/** One HPAScalingPolicy: at most `value` pods, or `value` percent, per `periodSeconds`. */
export interface ScalingPolicy {
  readonly type: "Pods" | "Percent";
  readonly value: number;
  readonly periodSeconds: number;
}

/** `spec.behavior` as written in a manifest: any field may be left out. */
export interface BehaviorInput {
  readonly scaleUp?: Partial<ScalingRules> | undefined;
  readonly scaleDown?: Partial<ScalingRules> | undefined;
}

// The API server's defaults for autoscaling/v2 (SetDefaults_HorizontalPodAutoscalerBehavior,
// documented under "Default Behavior" in the HPA walkthrough): scale up by 100% or 4 pods per
// 15 s, whichever is more, immediately; scale down by up to 100% per 15 s after a 300 s window.
const defaultBehavior: Behavior = {
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: "Max",
    policies: [
      { type: "Pods", value: 4, periodSeconds: 15 },
      { type: "Percent", value: 100, periodSeconds: 15 },
    ],
  },
  scaleDown: {
    stabilizationWindowSeconds: 300,
    selectPolicy: "Max",
    policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
  },
};

/** Fills in what a manifest leaves out, field by field, as the API server's defaulting does. */
export function withDefaults(input: BehaviorInput | undefined): Behavior {
  const fill = (given: Partial<ScalingRules> | undefined, base: ScalingRules): ScalingRules => ({
    stabilizationWindowSeconds:
      given?.stabilizationWindowSeconds ?? base.stabilizationWindowSeconds,
    selectPolicy: given?.selectPolicy ?? base.selectPolicy,
    policies: given?.policies ?? base.policies,
  });
  return {
    scaleUp: fill(input?.scaleUp, defaultBehavior.scaleUp),
    scaleDown: fill(input?.scaleDown, defaultBehavior.scaleDown),
  };
}
