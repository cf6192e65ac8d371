import type { TimeScale } from "../autoscaler/index.js";
import { renderChartConfig } from "../chart-config.js";

/**
 * The `--set` overrides the autoscaling simulation renders the chart with: the servers' max
 * connection age and its grace, as the chart sets them, compressed by the same factor as the
 * HPA's windows (they decide how soon a new pod takes traffic, which the HPA's next sync then
 * sees). Everything else stays as the chart has it.
 */
export async function simChartOverrides(time: TimeScale): Promise<string[]> {
  const { env } = (await renderChartConfig()).services.order;
  const compressed = (key: string) => {
    const ms = Number(env[key]);
    if (!(ms > 0)) throw new Error(`the chart's ConfigMap has no ${key}`);
    return Math.round(ms / time.factor);
  };
  return [
    `grpc.maxConnectionAgeMs=${compressed("GRPC_MAX_CONNECTION_AGE_MS")}`,
    `grpc.maxConnectionAgeGraceMs=${compressed("GRPC_MAX_CONNECTION_AGE_GRACE_MS")}`,
  ];
}
