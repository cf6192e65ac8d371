import path from "node:path";
import { integer, readConfig, text } from "../../services/kit/index.js";
import { formatLogLine } from "../local/log-format.js";
import { serviceNames } from "../local/mesh.js";
import { repoRoot } from "../local/service-process.js";
import { startCluster } from "./cluster.js";
import { containerMode } from "./container-mode.js";
import { startSimBacking } from "./sim-backing.js";

// `make sim`: the cluster simulation by hand. Replicas of each service run as separate processes
// on their own loopback addresses, found through dnsmasq under the chart's headless names.

const config = readConfig({
  users: { env: "SIM_USER_REPLICAS", parse: integer(1, 9), default: 1 },
  products: { env: "SIM_PRODUCT_REPLICAS", parse: integer(1, 9), default: 3 },
  orders: { env: "SIM_ORDER_REPLICAS", parse: integer(1, 9), default: 1 },
  dnsPort: { env: "SIM_DNS_PORT", parse: integer(1, 65535), default: 5353 },
  postgresPort: { env: "POSTGRES_PORT", parse: integer(1, 65535), default: 54329 },
  dataDir: { env: "SHOPMESH_DATA_DIR", parse: text, default: path.join(repoRoot, ".data") },
  // Replicas as containers of this image (built by `make image`); empty: processes from dist/.
  image: { env: "SIM_IMAGE", parse: text, default: "" },
  containerTool: { env: "CONTAINER_TOOL", parse: text, default: "podman" },
});

const { database, databaseUrls, trust } = await startSimBacking(
  config.dataDir,
  config.postgresPort,
);
const cluster = await startCluster({
  trust,
  databaseUrls,
  replicas: { user: config.users, product: config.products, order: config.orders },
  dnsPort: config.dnsPort,
  onOutput: (replica, line) => console.log(formatLogLine(`${replica.service}@${replica.ip}`, line)),
  ...(config.image === ""
    ? {}
    : { containers: await containerMode(config.containerTool, config.image) }),
});

const lines = serviceNames.map((name) => {
  const { headlessName } = cluster.config.services[name];
  const addresses = cluster.replicas(name).map((replica) => replica.address);
  return `  ${name.padEnd(8)} ${headlessName}\n           → ${addresses.join(", ")}`;
});
console.log(`
cluster simulation running (Ctrl-C stops it); DNS server ${cluster.dns.address}
replicas are ${config.image === "" ? "processes from dist/" : `containers of ${config.image} (${config.containerTool})`}

${lines.join("\n")}

Resolve a name:  dig @127.0.0.1 -p ${config.dnsPort} ${cluster.config.services.product.headlessName}
Call an order replica:  npm run cli -- --trust-dir ${trust.dir} --order-address ${cluster.replicas("order")[0]?.address} order list
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await cluster.stop();
  await database.stop();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
