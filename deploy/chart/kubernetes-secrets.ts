// The few Secret calls the chart's certificate Job makes, over the Kubernetes API with the pod's
// ServiceAccount token. node:https and nothing else: the image carries no Kubernetes client.
import { readFile } from "node:fs/promises";
import { request } from "node:https";
import path from "node:path";

/** A Secret as the Job reads and writes it: string data (base64 on the wire). */
export interface SecretData {
  readonly name: string;
  /** Absent on a Secret not read from the API yet. */
  readonly resourceVersion?: string;
  readonly type: string;
  readonly data: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Secrets of one namespace. */
export interface SecretStore {
  /** The Secret, or undefined when there is none. */
  get(name: string): Promise<SecretData | undefined>;
  /** Creates it; false when it exists already (another run was faster). */
  create(secret: SecretData): Promise<boolean>;
  /** Replaces it, guarded by its resourceVersion; false when it changed in between. */
  replace(secret: SecretData): Promise<boolean>;
}

/** Where the pod's ServiceAccount files are (token, ca.crt). */
export const defaultServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The Secrets of `namespace`, through the API server the pod's environment names. */
export async function inClusterSecrets(
  namespace: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SecretStore> {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host) throw new Error("KUBERNETES_SERVICE_HOST is not set: not running in a pod");
  const dir = env.SERVICEACCOUNT_DIR ?? defaultServiceAccountDir;
  const [token, ca] = await Promise.all([
    readFile(path.join(dir, "token"), "utf8"),
    readFile(path.join(dir, "ca.crt")),
  ]);
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  const call = (method: string, urlPath: string, body?: unknown) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host,
          port,
          method,
          path: urlPath,
          ca,
          headers: {
            authorization: `Bearer ${token.trim()}`,
            accept: "application/json",
            ...(payload ? { "content-type": "application/json" } : {}),
          },
          timeout: 30_000,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: no answer in 30 s`)));
      req.on("error", reject);
      req.end(payload);
    });
  const fail = (what: string, answer: { status: number; body: string }): never => {
    const message = (JSON.parse(answer.body || "{}") as { message?: string }).message;
    throw new Error(`${what}: HTTP ${answer.status}${message ? ` (${message})` : ""}`);
  };
  return {
    async get(name) {
      const answer = await call("GET", `${base}/${encodeURIComponent(name)}`);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) fail(`reading Secret ${namespace}/${name}`, answer);
      return fromApi(JSON.parse(answer.body) as ApiSecret);
    },
    async create(secret) {
      const answer = await call("POST", base, toApi(namespace, secret));
      if (answer.status === 409) return false;
      if (answer.status !== 201) fail(`creating Secret ${namespace}/${secret.name}`, answer);
      return true;
    },
    async replace(secret) {
      const answer = await call(
        "PUT",
        `${base}/${encodeURIComponent(secret.name)}`,
        toApi(namespace, secret),
      );
      if (answer.status === 409) return false;
      if (answer.status !== 200) fail(`replacing Secret ${namespace}/${secret.name}`, answer);
      return true;
    },
  };
}

/** A Secret on the wire. */
export interface ApiSecret {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  type?: string;
  data?: Record<string, string>;
}

function fromApi(secret: ApiSecret): SecretData {
  const data = Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value, "base64").toString("utf8"),
    ]),
  );
  return {
    name: secret.metadata.name,
    ...(secret.metadata.resourceVersion
      ? { resourceVersion: secret.metadata.resourceVersion }
      : {}),
    type: secret.type ?? "Opaque",
    data,
    ...(secret.metadata.labels ? { labels: secret.metadata.labels } : {}),
    ...(secret.metadata.annotations ? { annotations: secret.metadata.annotations } : {}),
  };
}

function toApi(namespace: string, secret: SecretData): ApiSecret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: secret.name,
      namespace,
      ...(secret.resourceVersion ? { resourceVersion: secret.resourceVersion } : {}),
      ...(secret.labels ? { labels: { ...secret.labels } } : {}),
      ...(secret.annotations ? { annotations: { ...secret.annotations } } : {}),
    },
    type: secret.type,
    data: Object.fromEntries(
      Object.entries(secret.data).map(([key, value]) => [
        key,
        Buffer.from(value).toString("base64"),
      ]),
    ),
  };
}
