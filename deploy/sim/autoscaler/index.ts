export { parseCpu, readAutoscalers, type ServiceAutoscaling } from "./chart-autoscalers.js";
export {
  type ControllerFlags,
  type Decision,
  defaultControllerFlags,
  HorizontalController,
  type Observation,
} from "./horizontal-controller.js";
export type { PodMetric, PodState, ReadinessTiming } from "./pod-state.js";
export { CpuSampler, processCpuSeconds } from "./proc-cpu.js";
export { limitRate } from "./rate-limits.js";
export { defaultTolerance, resourceReplicas } from "./replica-calculator.js";
export {
  type AutoscalerSpec,
  type Behavior,
  type BehaviorInput,
  type ScalingPolicy,
  type ScalingRules,
  type SelectPolicy,
  withDefaults,
} from "./spec.js";
export { type Recommendation, stabilize } from "./stabilization.js";
export { type Clock, type TimeScale, timeScale } from "./time-scale.js";
