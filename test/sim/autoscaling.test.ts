import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ServiceName } from "../../deploy/local/mesh.js";
import type { PodSample } from "../../deploy/sim/autoscale/autoscaling-loop.js";
import { rampStages } from "../../deploy/sim/autoscale/load-ramp.js";
import { firstCalls, rampFigures } from "../../deploy/sim/autoscale/ramp-figures.js";
import { chartAutoscalers, type RampResult, runRamp } from "../../deploy/sim/autoscale/ramp-run.js";
import {
  simChartOverrides,
  simDeployments,
  simMetricWindowSeconds,
  simRamp,
} from "../../deploy/sim/autoscale/sim-chart.js";
import { timeScale } from "../../deploy/sim/autoscaler/index.js";
import { type Cluster, startCluster } from "../../deploy/sim/cluster.js";
import { OrderService } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../../services/gen/shopmesh/product/v1/product_service_pb.js";
import { createServiceClient } from "../../services/kit/index.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { freePort } from "../support/ports.js";
import { credentialsOf, temporaryTrustDomain } from "../support/trust.js";
import { orderLedger } from "./order-ledger.js";

// The chart's HPAs, run by the simulated controller over the cluster simulation, under a ramp of
// `shopmesh load` (open loop). Time is compressed ×10: the HPA's sync period, windows and policy
// periods, the metric window, and the servers' max connection age; pods start, serve and drain
// in real time, and so do calls (the age's grace stays the chart's 10 s). Each pod's CPU is its
// average over the last 60 s simulated (6 s real, simMetricWindowSeconds): metrics-server's
// resolution, set long enough that this busy machine's bursts average out.
const time = timeScale(10);
const sync = time.toMs(15);
// A ramp the shared 2-core machine carries, `make sim-autoscale`'s (simRamp): base to peak in
// three steps, a hold, then the base alone through the scale-in. The order and product pods' CPU
// requests are below the chart's (order 120m, product 75m) so that this modest peak passes the
// chart's 70% target while the base leaves three order pods well below the 46.7% at which three
// become two, and maxReplicas is 4: every pod is a process on the same two cores
// (simDeployments). The HPA's arithmetic is the same at any request and maximum.
const stages = rampStages(simRamp);
const loadDropsAt = (simRamp.steps * simRamp.stepS + simRamp.holdS) * 1000;
// Its own part of the loopback range, apart from the other cluster tests' (127.0.1-3).
const subnets = { user: "127.0.21", product: "127.0.22", order: "127.0.23" };

// In `make test`, last (test/support/slow-files-first.ts): it scales on the CPU its pods use, so
// it runs when the other worker has only short files left. How its margins were set: in a run
// that failed (product at 50m), one idle product pod read 67% instead of ~20% for one metric
// window at 54 s (a burst of ~0.15 s of CPU), the recommendation rose to 3, and that held product
// at 3 pods, above its minimum of 2, to the end. At 75m the same burst reads two thirds as much,
// and four idle product pods (40-60m in all) stay well below the 105m under which the
// recommendation is the minimum; the peak still takes two pods past 77%. The tail
// (simRamp.totalS 75 s, then up to 25 s to settle) outlasts a late high recommendation: the drop
// (21 s) + the metric window (6 s) + the stabilisation window (30 s) + two policy periods (12 s)
// + a drain, with 30 s to spare for one burst. Runs at these settings: 91, 91 and 93 s by
// itself, 96 s beside a busy loop taking one of the two cores throughout, 85-86 s in three
// fresh-clone CI runs (one failed on a check of order pods that chance could fail, now replaced:
// see "sends each new pod calls").
describe("the chart's HPAs under a load ramp (cluster simulation, time ×10)", () => {
  let cluster: Cluster;
  let databases: TestDatabase[] = [];
  let trust: Awaited<ReturnType<typeof temporaryTrustDomain>>;
  let result: RampResult;
  const lines: string[] = [];
  // Every sync's line, printed when a check failed: the decisions and their inputs.
  let failed = false;
  beforeEach((context) => {
    context.onTestFailed(() => {
      failed = true;
    });
  });
  const bounds = (service: ServiceName) => {
    const spec = result.autoscalers[service]?.spec;
    if (!spec) throw new Error(`no HPA for ${service}`);
    return spec;
  };
  const decisions = (service: ServiceName) => result.records.filter((r) => r.service === service);
  // The load's connections to the order ClusterIP that could have gone to the pod at `ip`, and
  // how many did.
  const orderDraws = (ip: string) => {
    const isPod = (endpoint: string) => endpoint.startsWith(`${ip}:`);
    const draws = result.clusterIpConnections.order.filter((c) => c.endpoints.some(isPod));
    return { draws, drawn: draws.filter((c) => isPod(c.backend)).length };
  };

  beforeAll(async () => {
    databases = await Promise.all(
      ["user", "product", "order"].map((n) => createTestDatabase(`hpa_${n}`)),
    );
    const [user, product, order] = databases.map((d) => d.url) as [string, string, string];
    trust = await temporaryTrustDomain();
    const overrides = await simChartOverrides(time, simDeployments);
    const autoscalers = await chartAutoscalers(overrides);
    const min = (s: ServiceName) => autoscalers[s]?.spec.minReplicas ?? 1;
    cluster = await startCluster({
      trust,
      databaseUrls: { user, product, order },
      replicas: { user: min("user"), product: min("product"), order: min("order") },
      chartOverrides: overrides,
      dnsPort: await freePort(),
      subnets,
    });
    result = await runRamp({
      cluster,
      autoscalers,
      time,
      metricWindowSeconds: simMetricWindowSeconds,
      stages,
      trustDir: trust.dir,
      settleS: 25,
      log: (line) => lines.push(line),
    });
  }, 150_000);

  afterAll(async () => {
    if (failed || result === undefined) console.log(lines.join("\n"));
    if (result) {
      console.log(`autoscaling run: ${JSON.stringify(rampFigures(result))}`);
      const orderPods = firstCalls(result).filter((p) => p.service === "order");
      const drawnOf = orderPods.map(
        (p) => `${p.ip} ${orderDraws(p.ip).drawn}/${orderDraws(p.ip).draws.length}`,
      );
      console.log(
        `new order pods, drawn by the ClusterIP / draws they were in: ${drawnOf.join(", ")}`,
      );
    }
    await cluster?.stop();
    for (const database of databases) await database.drop();
    await trust?.remove();
  });

  it("scales the order and product services out, within the scale-up policy", () => {
    for (const service of ["order", "product"] as const) {
      expect(rampFigures(result).peakReplicas[service]).toBeGreaterThan(
        bounds(service).minReplicas,
      );
    }
    for (const service of ["user", "product", "order"] as const) {
      const { behavior } = bounds(service);
      const [policy] = behavior.scaleUp.policies; // the chart's: 100% per 30 s
      if (policy?.type !== "Percent") throw new Error("the chart's scale-up policy changed");
      const periodMs = time.toMs(policy.periodSeconds);
      const all = decisions(service);
      for (const { at, decision } of all) {
        if (decision.desiredReplicas <= decision.currentReplicas) continue;
        // The count the period started with: the last decision at or before its start.
        const before = all.filter((r) => r.at <= at - periodMs).at(-1)?.decision.desiredReplicas;
        const base = before ?? all[0]?.decision.currentReplicas ?? 0;
        expect(decision.desiredReplicas).toBeLessThanOrEqual(
          Math.ceil(base * (1 + policy.value / 100)),
        );
      }
    }
  });

  it("never leaves [minReplicas, maxReplicas] and never scales out again once it scaled in", () => {
    for (const service of ["user", "product", "order"] as const) {
      const { minReplicas, maxReplicas } = bounds(service);
      let scaledIn = false;
      for (const { decision } of decisions(service)) {
        expect(decision.desiredReplicas).toBeGreaterThanOrEqual(minReplicas);
        expect(decision.desiredReplicas).toBeLessThanOrEqual(maxReplicas);
        if (decision.desiredReplicas < decision.currentReplicas) scaledIn = true;
        if (scaledIn)
          expect(decision.desiredReplicas).toBeLessThanOrEqual(decision.currentReplicas);
      }
    }
  });

  it("sends each new pod calls: in-mesh within max connection age + grace, and a fair share", () => {
    // Max connection age + grace as the pods run them, plus the syncs that count calls.
    const env = cluster.config.services.product.env;
    const reach =
      Number(env.GRPC_MAX_CONNECTION_AGE_MS) +
      Number(env.GRPC_MAX_CONNECTION_AGE_GRACE_MS) +
      2 * sync;
    const added = firstCalls(result);
    expect(added.length).toBeGreaterThan(0);
    // The servers' max connection age renews the load's connections, so the order ClusterIP
    // stand-in draws a pod again and again: far more draws than load processes (one each if
    // connections were never renewed; ~35 in a run).
    expect(result.clusterIpConnections.order.length).toBeGreaterThan(3 * stages.length);
    for (const pod of added) {
      // Order pods are reached by the load through the ClusterIP stand-in: a pod drawn at
      // random per new connection (kube-proxy's iptables mode), so whether and when a new pod
      // is drawn is chance, which is the point of calling over the headless name. A pod drawn
      // must have served (a connection is made for a call); a pod never drawn must be one a
      // fair draw misses with odds above 1 in 10,000, from the connections it could have been
      // drawn for (a CI run's order pod, ready 2 s before the peak ended, was never drawn).
      if (pod.service === "order") {
        const { draws, drawn } = orderDraws(pod.ip);
        if (drawn > 0) {
          expect(pod.firstCall, `${pod.ip}: drawn ${drawn} times, served no call`).toBeDefined();
          continue;
        }
        const missOdds = draws.reduce((odds, c) => odds * (1 - 1 / c.endpoints.length), 1);
        expect(missOdds, `${pod.ip}: never drawn in ${draws.length} draws`).toBeGreaterThan(1e-4);
        continue;
      }
      // Product and user pods are called by other pods over the headless name (round robin,
      // re-resolved when the max connection age ends a connection).
      expect(pod.firstCall, `${pod.ip} served no call`).toBeDefined();
      expect((pod.firstCall ?? 0) - pod.ready, pod.ip).toBeLessThanOrEqual(reach);
    }
    // The order service's round robin over the headless name: every ready product pod, alike.
    // Only the order pods' calls count here: the load reaches product pods through the
    // ClusterIP stand-in too, a pod per connection by chance (a first run with those counted
    // saw a new pod at 0.49 of a fair share at one journey/s).
    const fromOrder = (p: PodSample) => p.callers[trust.identities.order] ?? 0;
    for (const pod of added.filter((p) => p.service === "product")) {
      let own = 0;
      let fair = 0;
      for (const record of decisions("product")) {
        const serving = record.pods.filter((p) => p.ready && !p.deleting);
        const mine = serving.find((p) => p.ip === pod.ip);
        if (!mine || record.at < pod.ready + reach) continue;
        own += fromOrder(mine);
        fair += serving.reduce((sum, p) => sum + fromOrder(p), 0) / serving.length;
      }
      expect(
        fair,
        `${pod.ip}: no call of the order service counted after its reach`,
      ).toBeGreaterThan(0);
      expect(own / fair, pod.ip).toBeGreaterThan(0.5);
    }
  });

  it("scales in only after the stabilization window, one pod per policy period", () => {
    for (const service of ["order", "product"] as const) {
      const { behavior } = bounds(service);
      const windowMs = time.toMs(behavior.scaleDown.stabilizationWindowSeconds);
      const [policy] = behavior.scaleDown.policies; // the chart's: 1 pod per 60 s
      if (policy?.type !== "Pods") throw new Error("the chart's scale-down policy changed");
      const downs = decisions(service).filter(
        (r) => r.decision.desiredReplicas < r.decision.currentReplicas,
      );
      expect(downs.length, `${service} never scaled in`).toBeGreaterThan(0);
      expect(downs[0]?.at ?? 0).toBeGreaterThanOrEqual(result.startedAt + loadDropsAt + windowMs);
      downs.forEach((down, i) => {
        expect(down.decision.currentReplicas - down.decision.desiredReplicas).toBe(policy.value);
        const previous = downs[i - 1];
        if (previous)
          expect(down.at - previous.at).toBeGreaterThanOrEqual(time.toMs(policy.periodSeconds));
      });
    }
    expect(result.backAtMinimum).toBe(true);
  });

  it("fails no call while pods drain during scale-in, and loses no order", async () => {
    const firstScaleIn = result.records.find(
      (r) => r.decision.desiredReplicas < r.decision.currentReplicas,
    )?.at;
    const failures = result.load.seconds
      .filter((second) => second.failed > 0 && second.at > (firstScaleIn ?? Infinity))
      .map((second) => `${second.at - result.startedAt} ms: ${second.errors}`);
    expect(rampFigures(result).failedDuringScaleIn, failures.join("; ")).toBe(0);
    // Every load process ran to its end: one that died would fail no call it never made.
    expect(result.load.exitCodes).toEqual(stages.map(() => 0));
    const [order] = cluster.endpoints("order");
    const [product] = cluster.endpoints("product");
    if (!order || !product) throw new Error("no order or product pod left");
    const orders = createServiceClient(OrderService, {
      dependency: "order",
      target: order.address,
      ...credentialsOf(trust, "operator", "order"),
      timeoutMs: 10_000,
    });
    const products = createServiceClient(ProductService, {
      dependency: "product",
      target: product.address,
      ...credentialsOf(trust, "operator", "product"),
      timeoutMs: 10_000,
    });
    try {
      await expect
        .poll(() => orderLedger(orders, products, "LOAD-", 1_000_000), {
          timeout: 20_000,
          interval: 500,
        })
        .toMatchObject({ unsettled: 0, mismatches: [] });
      expect((await orderLedger(orders, products, "LOAD-", 1_000_000)).orders).toBeGreaterThan(50);
    } finally {
      orders.close();
      products.close();
    }
  });
});
