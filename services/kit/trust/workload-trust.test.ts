import { writeFile } from "node:fs/promises";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ThrowawayCa, throwawayCa } from "../../../test/support/throwaway-ca.js";
import { ConfigError } from "../config.js";
import type { TrustConfig } from "./trust-settings.js";
import { loadWorkloadTrust } from "./workload-trust.js";

let ca: ThrowawayCa;
let policyFile = "";
beforeAll(async () => {
  ca = await throwawayCa();
  policyFile = `${ca.dir}/policy.json`;
  await writeFile(policyFile, JSON.stringify({ name: "p", allow_rules: [{ name: "all" }] }));
});
afterAll(() => ca.remove());

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

const config = (overrides: Partial<TrustConfig>): TrustConfig => ({
  tlsCertFile: undefined,
  tlsKeyFile: undefined,
  tlsCaFile: undefined,
  trustDomain: "td.test",
  authzPolicyFile: policyFile,
  trustRefreshIntervalMs: 100,
  insecurePlaintext: false,
  ...overrides,
});

describe("loadWorkloadTrust", () => {
  it("refuses to start without certificate files: mTLS is the default", async () => {
    const { logger } = capture();
    const loading = loadWorkloadTrust(config({}), logger);
    await expect(loading).rejects.toBeInstanceOf(ConfigError);
    await expect(loading).rejects.toThrow(
      /needs TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE and AUTHZ_POLICY_FILE/,
    );
  });

  it("refuses a certificate of another trust domain", async () => {
    const files = await ca.issue("user");
    const { logger } = capture();
    await expect(
      loadWorkloadTrust(
        config({
          tlsCertFile: files.certFile,
          tlsKeyFile: files.keyFile,
          tlsCaFile: files.caFile,
          trustDomain: "other.test",
        }),
        logger,
      ),
    ).rejects.toThrow(/names spiffe:\/\/td\.test\/ns\/shop\/sa\/user: want spiffe:\/\/other\.test/);
  });

  it("loads the identity and refuses to dial a dependency without an expected identity", async () => {
    const files = await ca.issue("order");
    const { logger, lines } = capture();
    const trust = await loadWorkloadTrust(
      config({ tlsCertFile: files.certFile, tlsKeyFile: files.keyFile, tlsCaFile: files.caFile }),
      logger,
    );
    try {
      expect(trust.identity).toBe(ca.id("order"));
      expect(trust.serverInterceptors).toHaveLength(1);
      expect(() => trust.channelCredentials("user service", undefined)).toThrow(
        "the expected identity of the user service is not set",
      );
      expect(lines.map((line) => line.msg)).toContain("certificate loaded");
    } finally {
      trust.close();
    }
  });

  it("runs in plaintext only when asked, and says so loudly", async () => {
    const { logger, lines } = capture();
    const trust = await loadWorkloadTrust(
      config({ insecurePlaintext: true, authzPolicyFile: undefined }),
      logger,
    );
    trust.close();
    expect(trust.identity).toBeUndefined();
    expect(trust.serverInterceptors).toHaveLength(0);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/^INSECURE: mTLS is OFF/) }),
    );
  });
});
