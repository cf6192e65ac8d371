// The real helm binary (installed from npm by `npm install`) over the chart, for the offline
// chart checks: no cluster runs here, so `helm template --validate` and `kubectl --dry-run` can't.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { parseManifests } from "../support/k8s-validate.js";
import type { K8sObject } from "./manifests.js";

const root = path.resolve(import.meta.dirname, "../..");
/** The helm binary the project installs. */
export const helm = path.join(root, ".tools/bin/helm");
/** The chart under test. */
export const chart = path.join(root, "helm/shopmesh");
/** The value sets of test/chart/values. */
export const valueSets = path.join(import.meta.dirname, "values");
/** Stands in for the password an operator sets: `helm template` can look nothing up. */
export const testPassword = "postgresql.password=chart-test-only";

/** Runs helm; never throws, so that a test can assert a refusal and its message. */
export async function runHelm(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(helm, args, { maxBuffer: 16 << 20 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: stdout + stderr };
  }
}

/** Options of {@link render}. */
export interface RenderOptions {
  /** Value files, relative to test/chart/values unless absolute. */
  readonly values?: readonly string[];
  /** `--set` overrides; the test password is always set first. */
  readonly sets?: readonly string[];
  /** Another chart folder (the upgrade test renders chart 0.1.0's output from a fixture). */
  readonly chart?: string;
}

/** `helm template shopmesh <chart> -n shop` with the options' values; throws on a refusal. */
export async function render(options: RenderOptions = {}): Promise<K8sObject[]> {
  const { ok, output } = await runHelm(templateArgs(options));
  if (!ok) throw new Error(output);
  return parseManifests(output) as K8sObject[];
}

/** The arguments of `helm template` for `options`. */
export function templateArgs(options: RenderOptions = {}): string[] {
  const args = ["template", "shopmesh", options.chart ?? chart, "--namespace", "shop"];
  for (const file of options.values ?? []) {
    args.push("--values", path.isAbsolute(file) ? file : path.join(valueSets, file));
  }
  for (const set of [testPassword, ...(options.sets ?? [])]) args.push("--set", set);
  return args;
}

/** The rendered object of this kind and name; the test fails when there is none. */
export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const object = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!object) throw new Error(`${kind} ${name} is not rendered`);
  return object;
}
