import { experimental } from "@grpc/grpc-js";
import { type CheckedPair, checkPair } from "./certificate-check.js";

type CaUpdate = experimental.CaCertificateUpdate;
type IdentityUpdate = experimental.IdentityCertificateUpdate;

/** Where a workload's certificate, key and trusted CA live, and how often to look again. */
export interface CertificateFileOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly refreshIntervalMs: number;
  /** A new good pair is in use (also the first). */
  readonly onLoaded?: (pair: CheckedPair) => void;
  /** Files changed but were refused; the last good pair stays in use. */
  readonly onRejected?: (reason: string) => void;
  /** A read of the files (one every refresh) has been checked: tests count refreshes with it. */
  readonly onRead?: () => void;
}

/**
 * The certificate provider of a workload: grpc-js's FileWatcherCertificateProvider reads the
 * three files every `refreshIntervalMs`; each new version is checked (`checkPair`) before it is
 * passed on, so a half-written or foreign pair is never loaded and the last good one stays.
 * grpc-js's own provider passes whatever it read, and a bad pair then fails every new
 * handshake until the next good read.
 *
 * One instance serves as both the CA and the identity provider of the server and client
 * credentials (grpc-js's server helper swaps its two provider arguments; one provider for both
 * makes that harmless).
 */
export class CertificateFiles implements experimental.CertificateProvider {
  private readonly files: experimental.FileWatcherCertificateProvider;
  private readIdentity: IdentityUpdate | null | undefined;
  private readCa: CaUpdate | null | undefined;
  private good: { identity: IdentityUpdate; ca: CaUpdate; checked: CheckedPair } | undefined;
  private lastRejected: string | undefined;
  private rejectedVersion: string | undefined;
  private checkQueued = false;
  private readonly caListeners = new Set<experimental.CaCertificateUpdateListener>();
  private readonly identityListeners = new Set<experimental.IdentityCertificateUpdateListener>();
  private readonly firstLoad: Promise<CheckedPair>;
  private resolveFirst: (pair: CheckedPair) => void = () => {};

  constructor(private readonly options: CertificateFileOptions) {
    this.files = new experimental.FileWatcherCertificateProvider({
      certificateFile: options.certFile,
      privateKeyFile: options.keyFile,
      caCertificateFile: options.caFile,
      refreshIntervalMs: options.refreshIntervalMs,
    });
    this.firstLoad = new Promise((resolve) => {
      this.resolveFirst = resolve;
    });
    // Listening starts the provider's timer; it reads both kinds in one go and reports the
    // identity first, the CA second: check once both are in.
    this.files.addIdentityCertificateListener(this.onIdentity);
    this.files.addCaCertificateListener(this.onCa);
  }

  /** The pair in use; undefined until the first good read. */
  get current(): CheckedPair | undefined {
    return this.good?.checked;
  }

  /** The files of the pair in use (a new object per new pair), for Node's own TLS; undefined until the first good read. */
  get inUse(): { readonly identity: IdentityUpdate; readonly ca: CaUpdate } | undefined {
    return this.good;
  }

  /**
   * Resolves with the first good pair; rejects after `timeoutMs` with the reason the files were
   * refused (a service must not start without its identity).
   */
  async ready(timeoutMs: number): Promise<CheckedPair> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const why = this.lastRejected ?? "files not read yet";
        reject(new Error(`no usable certificate in ${this.options.certFile}: ${why}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.firstLoad, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops watching the files. */
  close(): void {
    this.files.removeIdentityCertificateListener(this.onIdentity);
    this.files.removeCaCertificateListener(this.onCa);
  }

  addCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    this.caListeners.add(listener);
    const good = this.good;
    if (good) process.nextTick(listener, good.ca);
  }

  removeCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.identityListeners.add(listener);
    const good = this.good;
    if (good) process.nextTick(listener, good.identity);
  }

  removeIdentityCertificateListener(
    listener: experimental.IdentityCertificateUpdateListener,
  ): void {
    this.identityListeners.delete(listener);
  }

  private readonly onIdentity = (update: IdentityUpdate | null) => {
    this.readIdentity = update;
    this.queueCheck();
  };

  private readonly onCa = (update: CaUpdate | null) => {
    this.readCa = update;
    this.queueCheck();
  };

  private queueCheck(): void {
    if (this.checkQueued) return;
    this.checkQueued = true;
    queueMicrotask(() => {
      this.checkQueued = false;
      this.check();
      if (this.readIdentity !== undefined && this.readCa !== undefined) this.options.onRead?.();
    });
  }

  private check(): void {
    const identity = this.readIdentity;
    const ca = this.readCa;
    if (identity === undefined || ca === undefined) return;
    if (identity === null || ca === null) {
      this.reject(`cannot read ${identity === null ? "certificate or key" : "CA"} file`, "");
      return;
    }
    if (this.isInUse(identity, ca)) return;
    let checked: CheckedPair;
    try {
      checked = checkPair({ ...identity, ca: ca.caCertificate });
    } catch (error) {
      const version = `${identity.certificate.toString("base64")}|${identity.privateKey.toString("base64")}|${ca.caCertificate.toString("base64")}`;
      this.reject((error as Error).message, version);
      return;
    }
    this.good = { identity, ca, checked };
    this.lastRejected = undefined;
    this.rejectedVersion = undefined;
    for (const listener of this.identityListeners) listener(identity);
    for (const listener of this.caListeners) listener(ca);
    this.options.onLoaded?.(checked);
    this.resolveFirst(checked);
  }

  private isInUse(identity: IdentityUpdate, ca: CaUpdate): boolean {
    const good = this.good;
    if (!good) return false;
    return (
      good.identity.certificate.equals(identity.certificate) &&
      good.identity.privateKey.equals(identity.privateKey) &&
      good.ca.caCertificate.equals(ca.caCertificate)
    );
  }

  // Reported once per bad version of the files, not at every refresh while it stays bad.
  private reject(reason: string, version: string): void {
    if (this.rejectedVersion === version && this.lastRejected === reason) return;
    this.rejectedVersion = version;
    this.lastRejected = reason;
    this.options.onRejected?.(reason);
  }
}
