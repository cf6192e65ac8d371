// Offline checks of rendered Kubernetes manifests (`helm template` output): there is no API
// server here, so `helm template --validate` and `kubectl --dry-run` cannot run.
import { parseAllDocuments, type Tags } from "yaml";
import { enumProblems } from "./k8s-validate-enums.js";
import { unknownFieldProblems } from "./k8s-validate-fields.js";
import { groupVersionKind, isRecord } from "./k8s-validate-object.js";
import { schemaProblems } from "./k8s-validate-schema.js";

/**
 * The objects of a multi-document YAML stream, such as `helm template` prints, in order;
 * documents that are empty or only comments are dropped. Throws on a YAML syntax error or a
 * document that is not a mapping.
 */
export function parseManifests(yamlText: string): Record<string, unknown>[] {
  // Helm and the API server read YAML with go-yaml v2, i.e. YAML 1.1: `on`/`yes`/`y` are
  // booleans and `0644` is octal there. Parsing as YAML 1.2 would hide a value that Kubernetes
  // reads differently from what the template meant.
  const documents = parseAllDocuments(yamlText, { version: "1.1", customTags: likeGoYaml });
  const objects: Record<string, unknown>[] = [];
  for (const [index, document] of documents.entries()) {
    const [error] = document.errors;
    if (error !== undefined) throw new Error(`YAML document ${index + 1}: ${error.message}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) {
      throw new Error(`YAML document ${index + 1} is ${JSON.stringify(value)}, not an object`);
    }
    objects.push(value);
  }
  return objects;
}

/** go-yaml v2 has no YAML 1.1 timestamps or base-60 numbers: `12:30` stays a string there. */
function likeGoYaml(tags: Tags): Tags {
  return tags.filter(
    (tag) =>
      typeof tag === "string" ||
      (tag.tag !== "tag:yaml.org,2002:timestamp" && tag.format !== "TIME"),
  );
}

/**
 * Checks Kubernetes objects and returns one message per problem, each starting with the
 * object's kind and metadata.name and naming the field; empty when all are valid. Checks:
 * apiVersion, kind and metadata.name are set (every object); the JSON schema of the
 * apiVersion/kind; no unknown fields; known values in closed-set fields (HPA metric type,
 * Service type, …). cert-manager and Gateway API resources get their projects' schemas; other
 * kinds the libraries do not know (custom resources) get the first check only.
 */
export function validateManifests(objects: unknown[]): string[] {
  return objects.flatMap((object, index) => validateObject(object, index));
}

function validateObject(object: unknown, index: number): string[] {
  if (!isRecord(object)) {
    return [`object #${index + 1}: ${JSON.stringify(object)} is not a Kubernetes object`];
  }
  const { apiVersion, kind } = object;
  const name = isRecord(object.metadata) ? object.metadata.name : undefined;
  const problems = [
    ...requireString(apiVersion, "apiVersion"),
    ...requireString(kind, "kind"),
    ...requireString(name, "metadata.name"),
  ];
  if (isNonEmptyString(apiVersion) && isNonEmptyString(kind)) {
    const gvk = groupVersionKind(apiVersion, kind);
    const schema = schemaProblems(object, gvk) ?? [];
    problems.push(...schema);
    try {
      problems.push(...(unknownFieldProblems(object, gvk) ?? []));
    } catch (error) {
      // The round trip trips over wrong shapes (an object where a list belongs); when the schema
      // already reported them, this would only say the same thing again.
      if (schema.length === 0) problems.push(`cannot be read as ${kind} (${String(error)})`);
    }
    problems.push(...enumProblems(object, gvk));
  }
  const label = labelOf(kind, name, index);
  return problems.map((problem) => `${label}: ${problem}`);
}

function requireString(value: unknown, field: string): string[] {
  if (value === undefined || value === null || value === "") {
    return [`missing required field ${field}`];
  }
  return typeof value === "string" ? [] : [`${field} must be a string`];
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

/** "Deployment shopmesh-order"; with the object's position when kind or name is missing. */
function labelOf(kind: unknown, name: unknown, index: number): string {
  const label = `${isNonEmptyString(kind) ? kind : "<no kind>"} ${isNonEmptyString(name) ? name : "<no name>"}`;
  return isNonEmptyString(kind) && isNonEmptyString(name)
    ? label
    : `${label} (object #${index + 1})`;
}
