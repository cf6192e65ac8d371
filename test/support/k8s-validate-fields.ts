// Check (b): unknown fields. Kubernetes' JSON schemas allow any extra property, and the API
// server drops unknown fields silently (or only warns), so a misspelt `livenessProbe.grpcc` would
// deploy as "no probe". @kubernetes/client-node's typed models know every field of every built-in
// kind: whatever does not survive deserialize → serialize is a field Kubernetes does not have.
// Deep import: the package's root index does not export the serializer of its generated models.
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import {
  formatPath,
  type GroupVersionKind,
  isRecord,
  type PathSegment,
} from "./k8s-validate-object.js";

/**
 * "unknown field <path>" for each field of the object that the typed model of its kind lacks;
 * undefined when @kubernetes/client-node has no model for the apiVersion/kind. Throws when the
 * object's shape is too far off to read (e.g. a list where an object belongs).
 */
export function unknownFieldProblems(
  object: Record<string, unknown>,
  gvk: GroupVersionKind,
): string[] | undefined {
  for (const type of modelNames(gvk)) {
    const model: unknown = ObjectSerializer.deserialize(object, type, "");
    // The serializer hands back its input unchanged for a type name it does not know, and a
    // part of a kind (apps/v1 "DeploymentSpec") has no kind field to keep.
    if (model === object || !isRecord(model) || model.kind !== gvk.kind) continue;
    const roundTripped: unknown = ObjectSerializer.serialize(model, type, "");
    return lostFields(object, roundTripped, []).map((path) => `unknown field ${formatPath(path)}`);
  }
  return undefined;
}

/**
 * Candidate model names, most specific first. Models are named <Version><Kind> (V1Deployment,
 * V2HorizontalPodAutoscaler); where two groups share a kind, the name is prefixed by the group
 * (CoreV1Event, EventsV1Event).
 */
function modelNames({ group, version, kind }: GroupVersionKind): string[] {
  // A custom resource may reuse a built-in kind (Knative's serving.knative.dev Service): only
  // Kubernetes' own groups — no dot, or under k8s.io — are read with the built-in models.
  if (group.includes(".") && !group.endsWith(".k8s.io")) return [];
  const versionKind = `${capitalize(version)}${kind}`;
  const groupPrefix = group === "" ? "Core" : capitalize(group.split(".")[0] ?? "");
  return [`${groupPrefix}${versionKind}`, versionKind];
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Paths present in `input` but missing from `output`, descending where both have a value. */
function lostFields(input: unknown, output: unknown, at: PathSegment[]): PathSegment[][] {
  if (isRecord(input) && isRecord(output)) {
    return Object.keys(input).flatMap((key) =>
      // serialize() writes every attribute of the model, absent ones as undefined.
      output[key] === undefined
        ? [[...at, key]]
        : lostFields(input[key], output[key], [...at, key]),
    );
  }
  if (Array.isArray(input) && Array.isArray(output)) {
    return input.flatMap((item, index) => lostFields(item, output[index], [...at, index]));
  }
  // Scalars, or a shape mismatch: the schema check reports wrong types.
  return [];
}
