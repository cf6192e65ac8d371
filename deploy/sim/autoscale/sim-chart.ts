import type { ServiceName } from "../../local/mesh.js";
import type { TimeScale } from "../autoscaler/index.js";
import { renderChartConfig } from "../chart-config.js";

/**
 * What the simulation changes in the order and product Deployments, and why. The product pods'
 * CPU request is half the chart's 100m, so that a ramp this shared 2-core machine carries
 * crosses the 70% target (the first run, at the chart's requests and 40 journeys/s, overloaded
 * it). The order pods keep the chart's 150m: they idle at ~50m here (measured: 60-95% of a 75m
 * request with no load at all), so a lower request would never let them scale in. maxReplicas is
 * 4 instead of 6 and 10 because every pod here is a process on the same two cores (a run at
 * 15m/20m went to the maximum and starved the machine). The HPA's arithmetic is the same at any
 * request and maximum. Every figure shown with them says so.
 */
export const simDeployments: Partial<
  Record<ServiceName, { cpuMillicores: number; maxReplicas: number }>
> = {
  product: { cpuMillicores: 50, maxReplicas: 4 },
  order: { cpuMillicores: 150, maxReplicas: 4 },
};

/**
 * The ramp of `make sim-autoscale` and of its test (journeys/s; seconds): base to peak in three
 * steps, a hold at the peak, then the base alone for as long as the scale-in takes (the 300 s
 * window and a 60 s period per pod removed, ÷10, plus the lag of the CPU samples).
 */
export const simRamp = { base: 2, peak: 16, steps: 3, stepS: 3, holdS: 20, totalS: 80 } as const;

/**
 * The `--set` overrides the autoscaling simulation renders the chart with: the servers' max
 * connection age, compressed by the same factor as the HPA's windows (it decides how soon a new
 * pod takes traffic, which the HPA's next sync then sees), and `deployments` (CPU request and
 * maxReplicas per service) when given. The age's grace is not compressed: it is the time
 * in-flight calls get to finish, and calls run in real time (a 1 s grace cut calls that the
 * loaded machine served in more than 1 s). Everything else stays as the chart has it.
 */
export async function simChartOverrides(
  time: TimeScale,
  deployments: typeof simDeployments = {},
): Promise<string[]> {
  const { env } = (await renderChartConfig()).services.order;
  const ageMs = Number(env.GRPC_MAX_CONNECTION_AGE_MS);
  if (!(ageMs > 0)) throw new Error("the chart's ConfigMap has no GRPC_MAX_CONNECTION_AGE_MS");
  return [
    `grpc.maxConnectionAgeMs=${Math.round(ageMs / time.factor)}`,
    ...Object.entries(deployments).flatMap(([service, { cpuMillicores, maxReplicas }]) => [
      `services.${service}.resources.requests.cpu=${cpuMillicores}m`,
      `services.${service}.autoscaling.maxReplicas=${maxReplicas}`,
    ]),
  ];
}
