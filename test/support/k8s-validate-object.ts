// What every manifest check shares: which API type an object claims to be, and how to name a
// field inside it in an error message.

/** An object's apiVersion split into group and version ("" is the core group), and its kind. */
export interface GroupVersionKind {
  readonly apiVersion: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** One step of a field path: a property name or an array index. */
export type PathSegment = string | number;

/** Splits `apps/v1` into group `apps` and version `v1`; a bare `v1` is the core group. */
export function groupVersionKind(apiVersion: string, kind: string): GroupVersionKind {
  const slash = apiVersion.lastIndexOf("/");
  return {
    apiVersion,
    group: slash === -1 ? "" : apiVersion.slice(0, slash),
    version: apiVersion.slice(slash + 1),
    kind,
  };
}

/** True for a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/**
 * Names a field the way `kubectl explain` does (`spec.containers[0].name`); keys that are not
 * plain words, such as annotation names, are quoted: `metadata.annotations["example.com/a"]`.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let path = "";
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) path += path === "" ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path === "" ? "(the object itself)" : path;
}
