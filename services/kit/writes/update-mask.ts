import type { FieldMask } from "@bufbuild/protobuf/wkt";
import { checkEach } from "../error-details/index.js";
import { invalidArgument } from "../rpc-error.js";

/** What an Update method lets change, and why it refuses the other paths it knows. */
export interface MaskRules<Path extends string> {
  /** The resource's message type, e.g. `shopmesh.product.v1.Product`, for error texts. */
  readonly resourceType: string;
  /** The paths an update may name, each a top-level field replaced as a whole. */
  readonly mutable: readonly Path[];
  /** Known fields that may not be named, each with why: `is immutable`, `is output only`. */
  readonly refused: Readonly<Record<string, string>>;
}

/**
 * The fields an update changes (AIP-134). Named paths: each must be one of `rules.mutable`,
 * else INVALID_ARGUMENT naming every bad path at once (`update_mask.paths[1]: sku is
 * immutable`). `*` alone: every mutable field (full replacement). No mask: the mutable fields
 * the request sets (`isSet`). INVALID_ARGUMENT too when that leaves nothing to change.
 */
export function resolveUpdateMask<Path extends string>(
  mask: FieldMask | undefined,
  rules: MaskRules<Path>,
  isSet: (path: Path) => boolean,
): ReadonlySet<Path> {
  const paths = mask?.paths ?? [];
  if (paths.length === 0) {
    const set = rules.mutable.filter(isSet);
    if (set.length === 0) {
      throw invalidArgument(
        "update_mask",
        `is empty and no updatable field is set (${rules.mutable.join(", ")})`,
      );
    }
    return new Set(set);
  }
  if (paths.includes("*")) {
    if (paths.length > 1) throw invalidArgument("update_mask", "* must be the only path");
    return new Set(rules.mutable);
  }
  return new Set(
    checkEach(paths, (path, index) => {
      if (isMutable(rules, path)) return path;
      throw invalidArgument(`update_mask.paths[${index}]`, whyRefused(rules, path));
    }),
  );
}

function isMutable<Path extends string>(rules: MaskRules<Path>, path: string): path is Path {
  return (rules.mutable as readonly string[]).includes(path);
}

function whyRefused(rules: MaskRules<string>, path: string): string {
  const why = rules.refused[path];
  if (why) return `${path} ${why}`;
  const parent = rules.mutable.find((field) => path.startsWith(`${field}.`));
  if (parent) return `${path}: ${parent} is replaced as a whole, name ${parent}`;
  return `${path} is not an updatable field of ${rules.resourceType} (updatable: ${rules.mutable.join(", ")})`;
}
