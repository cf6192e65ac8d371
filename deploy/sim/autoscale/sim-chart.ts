import type { ServiceName } from "../../local/mesh.js";
import type { TimeScale } from "../autoscaler/index.js";
import { renderChartConfig } from "../chart-config.js";

/**
 * CPU requests (millicores) the simulation gives the order and product pods instead of the
 * chart's 150m and 100m: the two shared cores of this machine cannot carry the load that would
 * pass 70% of those (the first run at 40 journeys/s overloaded them), so a lower request lets a
 * ramp of a dozen journeys/s cross the target. Every figure shown with them says so.
 */
export const simCpuRequests: Partial<Record<ServiceName, number>> = { product: 15, order: 20 };

/**
 * The ramp of `make sim-autoscale` and of its test (journeys/s; seconds): base to peak in three
 * steps, a hold at the peak, then the base alone for as long as the scale-in takes (the 300 s
 * window and a 60 s period per pod removed, ÷10, plus the lag of the CPU samples).
 */
export const simRamp = { base: 2, peak: 12, steps: 3, stepS: 3, holdS: 20, totalS: 80 } as const;

/**
 * The `--set` overrides the autoscaling simulation renders the chart with: the servers' max
 * connection age, compressed by the same factor as the HPA's windows (it decides how soon a new
 * pod takes traffic, which the HPA's next sync then sees), and `cpuRequests` (millicores per
 * service) when given. The age's grace is not compressed: it is the time in-flight calls get to
 * finish, and calls run in real time (a 1 s grace cut calls that the loaded machine served in
 * more than 1 s). Everything else stays as the chart has it.
 */
export async function simChartOverrides(
  time: TimeScale,
  cpuRequests: Partial<Record<ServiceName, number>> = {},
): Promise<string[]> {
  const { env } = (await renderChartConfig()).services.order;
  const ageMs = Number(env.GRPC_MAX_CONNECTION_AGE_MS);
  if (!(ageMs > 0)) throw new Error("the chart's ConfigMap has no GRPC_MAX_CONNECTION_AGE_MS");
  return [
    `grpc.maxConnectionAgeMs=${Math.round(ageMs / time.factor)}`,
    ...Object.entries(cpuRequests).map(
      ([service, millicores]) => `services.${service}.resources.requests.cpu=${millicores}m`,
    ),
  ];
}
