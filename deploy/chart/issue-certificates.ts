// The chart's certificate Job (pre-install, pre-upgrade): `node dist/deploy/chart/issue-certificates.js`
// with TRUST_ISSUE_PLAN. Prints one JSON line of what it did; exits 1 with the reason on failure.
import { ensureClusterCertificates, parseIssuePlan } from "./cluster-certificates.js";
import { inClusterSecrets } from "./kubernetes-secrets.js";

try {
  const plan = parseIssuePlan(process.env.TRUST_ISSUE_PLAN);
  const report = await ensureClusterCertificates(await inClusterSecrets(plan.namespace), plan);
  console.log(
    JSON.stringify({ msg: "certificates ensured", namespace: plan.namespace, ...report }),
  );
} catch (error) {
  console.error(
    JSON.stringify({
      msg: "certificates not ensured",
      error: error instanceof Error ? error.message : String(error),
    }),
  );
  process.exitCode = 1;
}
