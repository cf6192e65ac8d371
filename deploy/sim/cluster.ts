import { newPageTokenKey } from "../../services/kit/listing/index.js";
import { type ServiceName, serviceNames } from "../local/mesh.js";
import { type ServiceProcess, startServiceProcess } from "../local/service-process.js";
import { type TrustDomain, trustEnvironment } from "../local/trust-domain.js";
import { type ChartConfig, renderChartConfig } from "./chart-config.js";
import { type ContainerMode, startReplicaContainer } from "./container-mode.js";
import { type DnsServer, startDnsServer } from "./dns-server.js";

/** One replica: a process on its own loopback address, like a pod on its pod IP. */
export interface Replica {
  readonly service: ServiceName;
  /** e.g. 127.0.2.3 */
  readonly ip: string;
  /** ip:port */
  readonly address: string;
  readonly process: ServiceProcess;
  /** Each line it logged. */
  readonly output: string[];
}

/** Where and how to run the cluster. */
export interface ClusterOptions {
  readonly databaseUrls: Readonly<Record<ServiceName, string>>;
  readonly replicas: Readonly<Record<ServiceName, number>>;
  /** `--set` overrides for the chart (e.g. shorter connection ages for tests). */
  readonly chartOverrides?: readonly string[];
  readonly dnsPort: number;
  /** Certificates and policies (mTLS, as in the chart); "plaintext" only for debugging. */
  readonly trust: TrustDomain | "plaintext";
  /** Extra environment of every replica. */
  readonly env?: Readonly<Record<string, string>>;
  readonly onOutput?: (replica: Replica, line: string) => void;
  /** Run each replica as a container of this image instead of a process from dist/. */
  readonly containers?: ContainerMode;
  /** Each service's /24 of the loopback range (default 127.0.1, .2, .3): runs side by side differ. */
  readonly subnets?: Readonly<Record<ServiceName, string>>;
}

/** The running simulation and the moves Kubernetes makes on a real cluster. */
export interface Cluster {
  readonly config: ChartConfig;
  readonly dns: DnsServer;
  /** Every replica still running, in DNS or not. */
  replicas(service: ServiceName): Replica[];
  /** The replicas in the headless name now (ready, not terminating): the Service's endpoints. */
  endpoints(service: ServiceName): Replica[];
  /** A pod becomes ready: start a replica on a new address and add it to the headless name. */
  addReplica(service: ServiceName): Promise<Replica>;
  /** The endpoint controller drops a pod: its address leaves the headless name. */
  removeFromDns(replica: Replica): Promise<void>;
  /**
   * The kubelet terminates a pod: endpoint removed, preStop sleep, SIGTERM, wait for the exit
   * (as long as terminationGracePeriodSeconds allows). Resolves with the exit code.
   */
  terminate(replica: Replica): Promise<number | null>;
  /** A pod dies at once (node failure, OOM kill). Its address stays in DNS until removed. */
  kill(replica: Replica): Promise<void>;
  stop(): Promise<void>;
}

// The services' default health-only port: their gRPC port + 10 (services/kit/trust).
const healthPortOffset = 10;
// Each service's pods get addresses from their own /24 of the loopback range.
const defaultSubnets: Record<ServiceName, string> = {
  user: "127.0.1",
  product: "127.0.2",
  order: "127.0.3",
};

/**
 * Runs the services as the chart configures them, with each replica on its own loopback
 * address and the headless Service names answered by a real DNS server. Only the DNS server's
 * address differs from a cluster: `dns:///name:port` targets become `dns://127.0.0.1:53xx/name:port`.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  // The chart's default is mTLS with files mounted at /etc/shopmesh; trustEnvironment points
  // each replica at the simulation's own. Plaintext renders the chart's plaintext setting, so
  // no policy file of the chart is named.
  const config = await renderChartConfig([
    ...(options.trust === "plaintext" ? ["insecurePlaintext=true"] : []),
    ...(options.chartOverrides ?? []),
  ]);
  const subnets = options.subnets ?? defaultSubnets;
  const dns = await startDnsServer(options.dnsPort);
  const running = new Map<ServiceName, Replica[]>(serviceNames.map((name) => [name, []]));
  const inDns = new Set<Replica>();
  const nextHost = new Map<ServiceName, number>(serviceNames.map((name) => [name, 1]));
  // A replica still starting when the cluster stops (a test timed out) must not outlive it.
  let stopped = false;

  const publish = (service: ServiceName) =>
    dns.setRecords(
      config.services[service].headlessName,
      (running.get(service) ?? []).filter((r) => inDns.has(r)).map((r) => r.ip),
    );

  // One key for every order replica, as the chart's Secret gives them: a page token from one
  // replica opens at another.
  const pageTokenKey = newPageTokenKey();
  const environment = (service: ServiceName, ip: string): Record<string, string> => {
    const fromChart = Object.fromEntries(
      Object.entries(config.services[service].env).map(([key, value]) => [
        key,
        value.startsWith("dns:///") ? value.replace("dns:///", `dns://${dns.address}/`) : value,
      ]),
    );
    return {
      ...fromChart,
      GRPC_HOST: ip,
      DATABASE_URL: options.databaseUrls[service],
      ...(service === "order" ? { PAGE_TOKEN_KEY: pageTokenKey } : {}),
      // Each pod has its own IP, so each serves /metrics on the chart's port.
      OTEL_EXPORTER_PROMETHEUS_HOST: ip,
      // grpc-js honours the DNS server named in a target only with its alternative resolver.
      GRPC_NODE_USE_ALTERNATIVE_RESOLVER: "true",
      ...(options.trust === "plaintext"
        ? { INSECURE_PLAINTEXT: "true" }
        : trustEnvironment(options.trust, service)),
      ...options.env,
    };
  };

  const cluster: Cluster = {
    config,
    dns,
    replicas: (service) => [...(running.get(service) ?? [])],
    endpoints: (service) => (running.get(service) ?? []).filter((r) => inDns.has(r)),
    async addReplica(service) {
      const host = nextHost.get(service) ?? 1;
      nextHost.set(service, host + 1);
      const ip = `${subnets[service]}.${host}`;
      const address = `${ip}:${config.services[service].port}`;
      const output: string[] = [];
      let replica: Replica | undefined;
      const onOutput = (line: string) => {
        output.push(line);
        if (replica) options.onOutput?.(replica, line);
      };
      const env = environment(service, ip);
      // Ready when the plaintext health port (the kubelet's probe) says SERVING.
      const health = `${ip}:${config.services[service].port + healthPortOffset}`;
      const process = options.containers
        ? await startReplicaContainer(options.containers, config, {
            service,
            ip,
            address: health,
            env,
            trust: options.trust,
            databaseUrl: options.databaseUrls[service],
            onOutput,
          })
        : await startServiceProcess({
            name: service,
            address: health,
            env: { ...globalThis.process.env, ...env },
            onOutput,
          });
      replica = { service, ip, address, process, output };
      if (stopped) {
        await process.stop("SIGKILL");
        throw new Error(`the cluster stopped while ${service}@${ip} was starting`);
      }
      running.get(service)?.push(replica);
      void process.exited.then(() => {
        const list = running.get(service) ?? [];
        list.splice(list.indexOf(replica as Replica), 1);
      });
      inDns.add(replica);
      await publish(service);
      return replica;
    },
    async removeFromDns(replica) {
      inDns.delete(replica);
      await publish(replica.service);
    },
    async terminate(replica) {
      await cluster.removeFromDns(replica);
      await new Promise((resolve) => setTimeout(resolve, config.preStopSeconds * 1000));
      const exited = replica.process.stop("SIGTERM");
      const deadline = new Promise<"killed">((resolve) =>
        setTimeout(() => resolve("killed"), config.terminationGracePeriodSeconds * 1000).unref(),
      );
      if ((await Promise.race([exited, deadline])) === "killed") {
        return replica.process.stop("SIGKILL");
      }
      return exited;
    },
    async kill(replica) {
      await replica.process.stop("SIGKILL");
    },
    async stop() {
      stopped = true;
      for (const service of [...serviceNames].reverse()) {
        for (const replica of cluster.replicas(service)) await replica.process.stop("SIGTERM");
      }
      await dns.stop();
    },
  };
  try {
    // A service's replicas start side by side, as a Deployment's pods do; the services one
    // after another, callees first (a caller that finds no callee at start is not what is tested).
    for (const service of serviceNames) {
      const starts = Array.from({ length: options.replicas[service] }, () =>
        cluster.addReplica(service),
      );
      const results = await Promise.allSettled(starts);
      const failure = results.find((r) => r.status === "rejected");
      if (failure) throw failure.reason;
    }
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
