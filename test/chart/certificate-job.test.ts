// The chart's self-contained certificates: the Job's real program (dist/, as the image runs it),
// with the plan the chart renders, against a stand-in API server. Install makes a CA and the
// leaves; an upgrade writes nothing and never replaces the CA; a missing, due or foreign leaf is
// issued again from the same CA.
import { execFile } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiSecret } from "../../deploy/chart/kubernetes-secrets.js";
import {
  createCertificateAuthority,
  issueWorkloadCertificate,
} from "../../services/kit/trust/certificate-authority.js";
import { checkPair } from "../../services/kit/trust/index.js";
import { find, render } from "./helm.js";
import type { Container } from "./manifests.js";
import { type StandInApiServer, startStandInApiServer } from "./stand-in-api-server.js";

const program = path.resolve(import.meta.dirname, "../../dist/deploy/chart/issue-certificates.js");
type Plan = {
  caSecret: string;
  leaves: { secret: string; spiffeId: string; dnsNames: string[] }[];
};

let api: StandInApiServer;
let planText: string;
let plan: Plan;

// dist/ is brought up to date by the global setup (test/support/global-setup.ts).
beforeAll(async () => {
  const job = find(await render(), "Job", "shopmesh-trust-issuer");
  planText = job.spec.template.spec.containers[0].env.find(
    (e: Container) => e.name === "TRUST_ISSUE_PLAN",
  ).value;
  plan = JSON.parse(planText) as Plan;
  api = await startStandInApiServer("shop");
});
afterAll(() => api?.close());

/** Runs the Job's program once; its exit code and output. */
async function runJob(env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [program], {
      env: { ...process.env, ...api.env, TRUST_ISSUE_PLAN: planText, ...env },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const {
      code,
      stdout = "",
      stderr = "",
    } = error as { code: number; stdout?: string; stderr?: string };
    return { code, output: stdout + stderr };
  }
}

const text = (secret: ApiSecret | undefined, key: string) =>
  Buffer.from(secret?.data?.[key] ?? "", "base64").toString("utf8");
const writes = () => api.requests.filter((r) => !r.startsWith("GET"));

describe("the certificate Job", () => {
  it("on install: makes one CA and a leaf per workload with its SPIFFE ID, ECDSA P-256", async () => {
    const { code, output } = await runJob();
    expect(code, output).toBe(0);
    const ca = api.secrets.get(plan.caSecret);
    expect(ca?.type).toBe("kubernetes.io/tls");
    expect(new X509Certificate(text(ca, "tls.crt")).ca).toBe(true);
    for (const leaf of plan.leaves) {
      const secret = api.secrets.get(leaf.secret);
      expect(secret?.type).toBe("kubernetes.io/tls");
      expect(text(secret, "ca.crt")).toBe(text(ca, "tls.crt"));
      const checked = checkPair({
        certificate: Buffer.from(text(secret, "tls.crt")),
        privateKey: Buffer.from(text(secret, "tls.key")),
        ca: Buffer.from(text(ca, "tls.crt")),
      });
      expect(checked.spiffeId).toBe(leaf.spiffeId);
      const key = createPrivateKey(text(secret, "tls.key"));
      expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
      const names = new X509Certificate(text(secret, "tls.crt")).subjectAltName ?? "";
      for (const dns of leaf.dnsNames) expect(names).toContain(`DNS:${dns}`);
      expect(secret?.metadata.labels?.["app.kubernetes.io/instance"]).toBe("shopmesh");
    }
    expect(JSON.parse(output)).toMatchObject({
      ca: "created",
      created: plan.leaves.map((l) => l.secret),
    });
  });

  it("on upgrade: writes nothing, so the CA every pod trusts stays", async () => {
    const before = structuredClone([...api.secrets.entries()]);
    api.requests.length = 0;
    const { code, output } = await runJob();
    expect(code, output).toBe(0);
    expect(writes()).toEqual([]);
    expect([...api.secrets.entries()]).toEqual(before);
  });

  it("issues again, from the same CA, a leaf that is missing, due, or from another CA", async () => {
    const caBefore = text(api.secrets.get(plan.caSecret), "tls.crt");
    const caKey = text(api.secrets.get(plan.caSecret), "tls.key");
    const [missing, due, foreign, kept] = plan.leaves;
    if (!missing || !due || !foreign || !kept) throw new Error("the plan has fewer than 4 leaves");
    api.secrets.delete(missing.secret);
    // Past two thirds of its life: issued 10 days ago for 12.
    const old = await issueWorkloadCertificate(
      { cert: caBefore, key: caKey },
      {
        spiffeId: due.spiffeId,
        dnsNames: due.dnsNames,
        lifetimeMs: 12 * 86_400_000,
        notBefore: new Date(Date.now() - 10 * 86_400_000),
      },
    );
    const other = await createCertificateAuthority({
      trustDomain: "cluster.local",
      lifetimeMs: 86_400_000,
    });
    const stranger = await issueWorkloadCertificate(other, {
      spiffeId: foreign.spiffeId,
      dnsNames: foreign.dnsNames,
      lifetimeMs: 86_400_000,
    });
    const replaceWith = (name: string, pair: { cert: string; key: string }, ca: string) => {
      const secret = api.secrets.get(name) as ApiSecret;
      const b64 = (value: string) => Buffer.from(value).toString("base64");
      api.secrets.set(name, {
        ...secret,
        data: { "tls.crt": b64(pair.cert), "tls.key": b64(pair.key), "ca.crt": b64(ca) },
      });
    };
    replaceWith(due.secret, old, caBefore);
    replaceWith(foreign.secret, stranger, other.cert);
    const keptBefore = structuredClone(api.secrets.get(kept.secret));
    api.requests.length = 0;

    const { code, output } = await runJob();
    expect(code, output).toBe(0);
    const report = JSON.parse(output) as {
      ca: string;
      created: string[];
      renewed: { secret: string }[];
    };
    expect(report.ca).toBe("kept");
    expect(report.created).toEqual([missing.secret]);
    expect(report.renewed.map((r) => r.secret)).toEqual([due.secret, foreign.secret]);
    expect(text(api.secrets.get(plan.caSecret), "tls.crt")).toBe(caBefore);
    for (const leaf of [missing, due, foreign]) {
      const secret = api.secrets.get(leaf.secret);
      expect(text(secret, "ca.crt")).toBe(caBefore);
      checkPair({
        certificate: Buffer.from(text(secret, "tls.crt")),
        privateKey: Buffer.from(text(secret, "tls.key")),
        ca: Buffer.from(caBefore),
      });
    }
    expect(api.secrets.get(kept.secret)).toEqual(keptBefore);
    expect(writes()).toEqual([
      "POST /api/v1/namespaces/shop/secrets",
      `PUT /api/v1/namespaces/shop/secrets/${due.secret}`,
      `PUT /api/v1/namespaces/shop/secrets/${foreign.secret}`,
    ]);
  });

  it("fails, saying why, when the API server refuses it", async () => {
    api.acceptedToken = "another-token";
    api.requests.length = 0;
    try {
      const { code, output } = await runJob();
      expect(code).toBe(1);
      expect(output).toContain(`reading Secret shop/${plan.caSecret}: HTTP 401 (Unauthorized)`);
      expect(writes()).toEqual([]);
    } finally {
      api.acceptedToken = "job-token";
    }
  });
});
