import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { temporaryTrustDomain } from "../../test/support/trust.js";
import { trustEnvironment } from "../local/trust-domain.js";
import { renderChartConfig } from "./chart-config.js";
import { podVolumes } from "./pod-volumes.js";

// What a replica container gets mounted, from the chart as rendered today: its database Secret
// volume (DATABASE_URL_FILE), and its certificate and policy (the chart's own volumes once it
// renders them, else stand-ins at the chart's paths).
describe("a pod's Secret and ConfigMap volumes in the simulation's container mode", () => {
  let trust: Awaited<ReturnType<typeof temporaryTrustDomain>>;
  beforeAll(async () => {
    trust = await temporaryTrustDomain();
  });
  afterAll(() => trust.remove());

  it("mounts the database URL and the trust files, and points the environment at them", async () => {
    const chart = (await renderChartConfig()).services.order;
    const dir = path.join(trust.dir, "pod");
    const pod = await podVolumes({
      service: "order",
      chartVolumes: chart.volumes(),
      chartEnv: chart.deploymentEnv(),
      env: {
        ...trustEnvironment(trust, "order"),
        DATABASE_URL: "postgres://db/order",
        PAGE_TOKEN_KEY: "the cluster's key",
      },
      trust,
      databaseUrl: "postgres://db/order",
      dir,
    });
    const mounted = (containerFile: string) => {
      const mount = pod.mounts.find((m) => containerFile.startsWith(`${m.containerPath}/`));
      if (!mount) throw new Error(`${containerFile} is not mounted`);
      return path.join(mount.hostPath, path.basename(containerFile));
    };
    expect(pod.env.DATABASE_URL).toBeUndefined();
    // The page token key too: from the chart's Secret volume, as the pods read it.
    expect(pod.env.PAGE_TOKEN_KEY).toBeUndefined();
    expect(await readFile(mounted(pod.env.PAGE_TOKEN_KEY_FILE ?? ""), "utf8")).toBe(
      "the cluster's key",
    );
    expect(await readFile(mounted(pod.env.DATABASE_URL_FILE ?? ""), "utf8")).toBe(
      "postgres://db/order",
    );
    for (const [key, source] of [
      ["TLS_CERT_FILE", trust.certFile("order")],
      ["TLS_KEY_FILE", trust.keyFile("order")],
      ["TLS_CA_FILE", trust.caFile],
      ["AUTHZ_POLICY_FILE", trust.policyFile("order")],
    ] as const) {
      const file = pod.env[key] ?? "";
      expect(file, key).toMatch(/^\/etc\/shopmesh\//);
      expect(await readFile(mounted(file), "utf8")).toBe(await readFile(source, "utf8"));
      // The pod's user (uid 10001) reads it, as the chart's fsGroup lets it.
      expect((await stat(mounted(file))).mode & 0o004).toBe(0o004);
    }
    // One mount per volume, never two at one path.
    const paths = pod.mounts.map((m) => m.containerPath);
    expect(new Set(paths).size).toBe(paths.length);
  });
});
