// A stand-in Kubernetes API server for the certificate Job: HTTPS on loopback with its own
// certificate, Bearer token required, and the Secret calls the Job makes (get, create, replace
// guarded by resourceVersion), kept in memory. No API server can run on this machine.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { ApiSecret } from "../../deploy/chart/kubernetes-secrets.js";
import {
  createCertificateAuthority,
  issueWorkloadCertificate,
} from "../../services/kit/trust/certificate-authority.js";

/** The running stand-in. */
export interface StandInApiServer {
  /** Secrets by name (the wire form: base64 data). */
  readonly secrets: Map<string, ApiSecret>;
  /** "METHOD path" of every request, in order. */
  readonly requests: string[];
  /** The token calls must carry; change it to revoke the pod's. */
  acceptedToken: string;
  /** The environment that points a pod's process at this server. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts a stand-in serving namespace `namespace`; the pod's token file holds `token`. */
export async function startStandInApiServer(
  namespace: string,
  token = "job-token",
): Promise<StandInApiServer> {
  const ca = await createCertificateAuthority({ trustDomain: "api.test", lifetimeMs: 3600_000 });
  const serving = await issueWorkloadCertificate(ca, {
    spiffeId: "spiffe://api.test/ns/default/sa/apiserver",
    dnsNames: ["kubernetes.default.svc"],
    ipAddresses: ["127.0.0.1"],
    lifetimeMs: 3600_000,
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-sa-"));
  await writeFile(path.join(dir, "token"), `${token}\n`);
  await writeFile(path.join(dir, "ca.crt"), ca.cert);
  const secrets = new Map<string, ApiSecret>();
  const requests: string[] = [];
  let version = 1;
  const base = `/api/v1/namespaces/${namespace}/secrets`;
  const server: Server = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    req.on("end", () => {
      requests.push(`${req.method} ${req.url}`);
      const answer = (status: number, object: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(object));
      };
      if (req.headers.authorization !== `Bearer ${standIn.acceptedToken}`)
        return answer(401, { kind: "Status", message: "Unauthorized" });
      const name = req.url?.startsWith(`${base}/`) ? req.url.slice(base.length + 1) : undefined;
      if (req.method === "GET" && name) {
        const secret = secrets.get(name);
        return secret
          ? answer(200, secret)
          : answer(404, { message: `secrets "${name}" not found` });
      }
      const secret = body ? (JSON.parse(body) as ApiSecret) : undefined;
      if (req.method === "POST" && req.url === base && secret) {
        if (secrets.has(secret.metadata.name))
          return answer(409, { message: `secrets "${secret.metadata.name}" already exists` });
        const stored = withVersion(secret, String(version++));
        secrets.set(secret.metadata.name, stored);
        return answer(201, stored);
      }
      if (req.method === "PUT" && name && secret) {
        const current = secrets.get(name);
        if (!current) return answer(404, { message: `secrets "${name}" not found` });
        if (current.metadata.resourceVersion !== secret.metadata.resourceVersion)
          return answer(409, { message: "the object has been modified" });
        const stored = withVersion(secret, String(version++));
        secrets.set(name, stored);
        return answer(200, stored);
      }
      return answer(405, { message: `${req.method} ${req.url} is not served here` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const standIn: StandInApiServer = {
    secrets,
    requests,
    acceptedToken: token,
    env: {
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: String(port),
      SERVICEACCOUNT_DIR: dir,
    },
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
  return standIn;
}

function withVersion(secret: ApiSecret, resourceVersion: string): ApiSecret {
  return { ...secret, metadata: { ...secret.metadata, resourceVersion } };
}
