import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  createCertificateAuthority,
  type IssuedCertificate,
  issueWorkloadCertificate,
  type PemPair,
} from "../../services/kit/trust/certificate-authority.js";

/** Files of one workload's certificate, key and trusted CA. */
export interface WorkloadFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/** A CA made for one test, writing workload files into a temporary folder. */
export interface ThrowawayCa {
  readonly ca: PemPair;
  readonly dir: string;
  /** `spiffe://td.test/ns/shop/sa/<account>` */
  id(account: string): string;
  /** Issues a leaf for `account` (1 h unless said) and writes it as `<name>.{cert,key}.pem`. */
  issue(
    account: string,
    options?: { name?: string; lifetimeMs?: number; notBefore?: Date },
  ): Promise<WorkloadFiles & { leaf: IssuedCertificate }>;
  remove(): Promise<void>;
}

/** Makes a root for trust domain `td.test` (or `trustDomain`) in a fresh temporary folder. */
export async function throwawayCa(trustDomain = "td.test"): Promise<ThrowawayCa> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-ca-"));
  const ca = await createCertificateAuthority({ trustDomain, lifetimeMs: 24 * 3600_000 });
  const caFile = path.join(dir, `${trustDomain}.ca.pem`);
  await writeFile(caFile, ca.cert);
  const id = (account: string) => `spiffe://${trustDomain}/ns/shop/sa/${account}`;
  return {
    ca,
    dir,
    id,
    issue: async (account, options = {}) => {
      const leaf = await issueWorkloadCertificate(ca, {
        spiffeId: id(account),
        dnsNames: [account],
        lifetimeMs: options.lifetimeMs ?? 3600_000,
        ...(options.notBefore ? { notBefore: options.notBefore } : {}),
      });
      const name = options.name ?? account;
      const certFile = path.join(dir, `${name}.cert.pem`);
      const keyFile = path.join(dir, `${name}.key.pem`);
      await writeFile(keyFile, leaf.key);
      await writeFile(certFile, leaf.cert);
      return { certFile, keyFile, caFile, leaf };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
