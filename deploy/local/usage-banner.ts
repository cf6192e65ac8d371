import path from "node:path";
import type { ServiceName } from "./mesh.js";
import type { TrustDomain } from "./trust-domain.js";

/** What `make run` prints once the mesh is up: addresses and commands to copy. */
export function usageBanner(
  addresses: Readonly<Record<ServiceName, string>>,
  trust: TrustDomain | "plaintext",
  cliSetup: readonly string[] = [],
): string {
  const { user, product, order } = addresses;
  const tls =
    trust === "plaintext"
      ? "-plaintext"
      : `-cacert ${rel(trust.caFile)} -cert ${rel(trust.certFile("operator"))} -key ${rel(trust.keyFile("operator"))}`;
  const security =
    trust === "plaintext"
      ? "INSECURE: plaintext, no identities, no authorization by caller"
      : `mTLS on; trust domain ${trust.trustDomain}, certificates in ${rel(trust.dir)}; you are ${trust.identities.operator}`;
  // grpcurl checks the server's name: every service's certificate names "localhost".
  const at = (address: string) => address.replace(/^127\.0\.0\.1:/, "localhost:");
  return `
shopmesh is running (Ctrl-C stops everything)
${security}

  user     ${user}     shopmesh.user.v1.UserService
  product  ${product}     shopmesh.product.v1.ProductService
  order    ${order}     shopmesh.order.v1.OrderService

Try it with grpcurl (reflection is on, no proto files needed):

  grpcurl ${tls} ${at(order)} list
  grpcurl ${tls} -d '{"email":"ada@example.com","display_name":"Ada"}' \\
    ${at(user)} shopmesh.user.v1.UserService/CreateUser
  grpcurl ${tls} -d '{"sku":"MUG-1","name":"Mug","price":{"currency_code":"EUR","minor_units":"1250"},"stock":10}' \\
    ${at(product)} shopmesh.product.v1.ProductService/CreateProduct
  grpcurl ${tls} -d '{"request_id":"order-1","user_id":"USER_ID","items":[{"product_id":"PRODUCT_ID","quantity":2}]}' \\
    ${at(order)} shopmesh.order.v1.OrderService/CreateOrder

Or with the CLI (another terminal${cliSetup.length > 0 ? ", after telling it where this run is" : ""}):

${cliSetup.map((line) => `  ${line}\n`).join("")}  npm run cli -- user create --email ada@example.com --name Ada
  npm run cli -- product create --sku MUG-1 --name Mug --price 12.50 --currency EUR --stock 10
  npm run cli -- order create --user USER_ID --item PRODUCT_ID:2
  npm run cli -- order list

Rehearse an outage (README: "Rehearsal in two terminals"):

  npm run cli -- load --rate 10 --duration 3m &
  npm run cli -- faults set --service product --method ReserveStock --delay-ms 5000
  npm run cli -- faults clear --service product
`;
}

function rel(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") ? file : relative;
}

const cliDefaultPorts: Readonly<Record<ServiceName, string>> = {
  user: "50051",
  product: "50052",
  order: "50053",
};

/**
 * The `export` line a second terminal needs before the CLI finds this run (its defaults are
 * make run's default ports and `.data`); none when this run uses the defaults.
 */
export function cliSetupLines(
  addresses: Readonly<Record<ServiceName, string>>,
  dataDir: string,
  defaultDataDir: string,
): string[] {
  const variables: string[] = [];
  for (const [name, address] of Object.entries(addresses) as [ServiceName, string][]) {
    const local = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(address);
    if (local?.[2] !== cliDefaultPorts[name]) {
      variables.push(`SHOPMESH_${name.toUpperCase()}_ADDRESS=${address}`);
    }
  }
  if (path.resolve(dataDir) !== path.resolve(defaultDataDir)) {
    variables.push(`SHOPMESH_DATA_DIR=${dataDir}`);
  }
  return variables.length > 0 ? [`export ${variables.join(" ")}`] : [];
}
