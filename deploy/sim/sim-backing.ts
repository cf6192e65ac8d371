import path from "node:path";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "../local/embedded-postgres.js";
import { type ServiceName, serviceNames } from "../local/mesh.js";
import { ensureTrustDomain, type TrustDomain } from "../local/trust-domain.js";

/** What a simulated cluster stands on: its PostgreSQL with a database per service, and trust. */
export interface SimBacking {
  readonly database: EmbeddedDatabase;
  readonly databaseUrls: Readonly<Record<ServiceName, string>>;
  readonly trust: TrustDomain;
}

/**
 * Starts the embedded PostgreSQL of `make sim` (and `make sim-autoscale`) in `dataDir` with a
 * database per service, and opens the simulation's own trust domain (the chart's namespace),
 * kept beside make run's under the data folder.
 */
export async function startSimBacking(dataDir: string, postgresPort: number): Promise<SimBacking> {
  const database = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, "postgres"),
    port: postgresPort,
  });
  const databaseUrls = {} as Record<ServiceName, string>;
  for (const name of serviceNames) {
    await database.ensureDatabase(`shopmesh_sim_${name}`);
    databaseUrls[name] = database.urlOf(`shopmesh_sim_${name}`);
  }
  const trust = await ensureTrustDomain({
    dir: path.join(dataDir, "sim-trust"),
    trustDomain: "cluster.local",
    namespace: "shop",
    onNote: (line) => console.error(`trust domain: ${line}`),
  });
  return { database, databaseUrls, trust };
}
