import { copyFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ThrowawayCa, throwawayCa } from "../../../test/support/throwaway-ca.js";
import { CertificateFiles } from "./certificate-files.js";

let ca: ThrowawayCa;
beforeAll(async () => {
  ca = await throwawayCa();
});
afterAll(() => ca.remove());

/**
 * Counts the provider's reads of the files (one every refresh) and waits for the first read
 * after which a condition holds: no guessed waits, and a non-event is proven over counted reads.
 */
function readCounter() {
  let reads = 0;
  const waiting = new Set<{ check: () => boolean; resolve: () => void }>();
  return {
    onRead: () => {
      reads++;
      for (const waiter of waiting) {
        if (!waiter.check()) continue;
        waiting.delete(waiter);
        waiter.resolve();
      }
    },
    get reads() {
      return reads;
    },
    until: (check: () => boolean) =>
      new Promise<void>((resolve) => {
        if (check()) resolve();
        else waiting.add({ check, resolve });
      }),
  };
}

describe("CertificateFiles", () => {
  it("loads a new pair when the files change, and refuses a half-written one (last good kept, counted)", async () => {
    const files = await ca.issue("product");
    const loaded: string[] = [];
    const refused: string[] = [];
    const read = readCounter();
    const until = read.until;
    const provider = new CertificateFiles({
      ...files,
      refreshIntervalMs: 50,
      onLoaded: (pair) => loaded.push(pair.serial),
      onRejected: (reason) => refused.push(reason),
      onRead: read.onRead,
    });
    const published: Buffer[] = [];
    provider.addIdentityCertificateListener((update) => {
      if (update) published.push(update.certificate);
    });
    try {
      expect((await provider.ready(5_000)).serial).toBe(files.leaf.serial);

      // Renewal caught halfway: the new key is there, the certificate still the old one.
      const next = await ca.issue("product", { name: "product-next" });
      await copyFile(next.keyFile, files.keyFile);
      await until(() => refused.length === 1);
      expect(refused[0]).toBe("certificate and private key do not belong together");
      expect(provider.current?.serial).toBe(files.leaf.serial);
      // Read again at three more refreshes, the same bad pair is reported once, not each time.
      const readsAtRefusal = read.reads;
      await until(() => read.reads >= readsAtRefusal + 3);
      expect(refused).toHaveLength(1);

      // A certificate cut short while being written.
      await writeFile(files.certFile, next.leaf.cert.slice(0, 200));
      await until(() => refused.length === 2);
      expect(refused[1]).toMatch(/^certificate unreadable/);
      expect(provider.current?.serial).toBe(files.leaf.serial);

      // The renewal completes: the new pair is taken.
      await copyFile(next.certFile, files.certFile);
      await until(() => provider.current?.serial === next.leaf.serial);
      expect(loaded).toEqual([files.leaf.serial, next.leaf.serial]);
      // Only good pairs ever reached grpc-js.
      expect(published.map((cert) => cert.toString())).toEqual([files.leaf.cert, next.leaf.cert]);
    } finally {
      provider.close();
    }
  });

  it("refuses at start a certificate from another CA, saying why", async () => {
    const other = await throwawayCa();
    try {
      const stranger = await other.issue("product");
      const provider = new CertificateFiles({
        ...stranger,
        caFile: (await ca.issue("x")).caFile,
        refreshIntervalMs: 50,
      });
      await expect(provider.ready(500)).rejects.toThrow(/was not issued by the trusted CA/);
      provider.close();
    } finally {
      await other.remove();
    }
  });
});
