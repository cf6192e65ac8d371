import { writeFile } from "node:fs/promises";
import path from "node:path";
import { integer, readConfig, text } from "../../services/kit/index.js";
import { repoRoot } from "../local/service-process.js";
import { rampStages } from "./autoscale/load-ramp.js";
import { rampFigures, rampPlot } from "./autoscale/ramp-figures.js";
import { chartAutoscalers, runRamp } from "./autoscale/ramp-run.js";
import { timelineTable } from "./autoscale/report.js";
import {
  simChartOverrides,
  simDeployments,
  simMetricWindowSeconds,
  simRamp,
} from "./autoscale/sim-chart.js";
import { timeScale } from "./autoscaler/index.js";
import { startCluster } from "./cluster.js";
import { startSimBacking } from "./sim-backing.js";

// `make sim-autoscale`: the chart's HPAs, simulated, scale the cluster simulation under a ramp of
// `shopmesh load`; prints every sync, then a table, and writes an SVG plot and a Markdown table.

const config = readConfig({
  factor: { env: "SIM_TIME_FACTOR", parse: integer(1, 60), default: 10 },
  base: { env: "SIM_BASE_RATE", parse: integer(1, 500), default: simRamp.base },
  peak: { env: "SIM_PEAK_RATE", parse: integer(1, 2000), default: simRamp.peak },
  metricWindow: {
    env: "SIM_METRIC_WINDOW_S",
    parse: integer(15, 300),
    default: simMetricWindowSeconds,
  },
  dnsPort: { env: "SIM_DNS_PORT", parse: integer(1, 65535), default: 5353 },
  postgresPort: { env: "POSTGRES_PORT", parse: integer(1, 65535), default: 54329 },
  dataDir: { env: "SHOPMESH_DATA_DIR", parse: text, default: path.join(repoRoot, ".data") },
  out: { env: "SIM_OUT", parse: text, default: path.join(repoRoot, ".data", "sim-autoscale") },
});

const time = timeScale(config.factor);
const overrides = await simChartOverrides(time, simDeployments);
const autoscalers = await chartAutoscalers(overrides);
const { database, databaseUrls, trust } = await startSimBacking(
  config.dataDir,
  config.postgresPort,
);
const minimum = (service: "user" | "product" | "order") =>
  autoscalers[service]?.spec.minReplicas ?? 1;
const cluster = await startCluster({
  trust,
  databaseUrls,
  replicas: { user: minimum("user"), product: minimum("product"), order: minimum("order") },
  chartOverrides: overrides,
  dnsPort: config.dnsPort,
  // Apart from `make sim`'s and the tests' addresses.
  subnets: { user: "127.0.11", product: "127.0.12", order: "127.0.13" },
  env: { OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "none", OTEL_LOGS_EXPORTER: "none" },
});
const stages = rampStages({ ...simRamp, base: config.base, peak: config.peak });
console.log(
  `time compressed ×${config.factor}; CPU averaged over ${config.metricWindow} s simulated ` +
    `(${time.toMs(config.metricWindow) / 1000} s real); Deployments changed for this machine ${JSON.stringify(simDeployments)}; ` +
    `load stages (journeys/s): ${JSON.stringify(stages)}`,
);
try {
  const result = await runRamp({
    cluster,
    autoscalers,
    time,
    metricWindowSeconds: config.metricWindow,
    stages,
    trustDir: trust.dir,
    settleS: 90,
    log: (line) => console.log(line),
  });
  const table = timelineTable(
    result.records,
    result.load.seconds,
    result.startedAt,
    time,
    result.load.rateAt,
  );
  const figures = rampFigures(result);
  const summary = [
    `time compressed ×${config.factor} (HPA sync, windows and policy periods; max connection age too); ` +
      `CPU averaged over ${config.metricWindow} s simulated (${time.toMs(config.metricWindow) / 1000} s real)`,
    `first scale-out after (real s): ${JSON.stringify(figures.firstScaleOutS)}; peak replicas ${JSON.stringify(figures.peakReplicas)}`,
    `slowest new pod from ready to its first served call, real s: ${JSON.stringify(figures.slowestFirstCallS)} ` +
      "(one sync's resolution; product and user pods are called over the headless name, order pods by the load through the ClusterIP stand-in, a pod drawn at random per connection)",
    `failed calls during scale-in: ${figures.failedDuringScaleIn}; in the whole run: ${figures.failedTotal}`,
    `back at minReplicas: ${result.backAtMinimum}`,
  ].join("\n");
  console.log(`\n${table}\n\n${summary}`);
  await writeFile(`${config.out}.svg`, rampPlot(result, time));
  await writeFile(`${config.out}.md`, `${table}\n\n${summary.replaceAll("\n", "  \n")}\n`);
  console.log(`\nplot: ${config.out}.svg  table: ${config.out}.md`);
} finally {
  await cluster.stop();
  await database.stop();
}
