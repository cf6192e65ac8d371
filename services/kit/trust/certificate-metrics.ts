import { metrics } from "@opentelemetry/api";
import type { CheckedPair } from "./certificate-check.js";

/**
 * Exports the expiry of the certificate in use as `shopmesh.certificate.expiry` (seconds since
 * the epoch, like cert-manager's certmanager_certificate_expiration_timestamp_seconds), so an
 * alert can fire before a renewal that never came.
 */
export function observeCertificate(current: () => CheckedPair | undefined): void {
  metrics
    .getMeter("shopmesh")
    .createObservableGauge("shopmesh.certificate.expiry", {
      description: "Expiry (not after) of the workload certificate in use, seconds since the epoch",
      unit: "s",
    })
    .addCallback((result) => {
      const pair = current();
      if (pair) result.observe(pair.notAfter.getTime() / 1000, { serial: pair.serial });
    });
}
