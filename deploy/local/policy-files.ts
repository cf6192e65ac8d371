import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";

/** The default policy this version would write, and the file it belongs in. */
export interface PolicyDefault {
  readonly file: string;
  readonly text: string;
}

/** What became of one policy file. */
export type PolicyFileOutcome =
  | { readonly kind: "written" | "current" | "updated"; readonly sha256: string }
  | { readonly kind: "kept"; readonly defaultFile: string };

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Decides what to do with a local trust domain's policy file, given the default this version
 * writes and the hash of the default last written there (`writtenSha256`, from the manifest).
 * A file that is still the default some earlier version wrote is replaced by this version's, so a
 * method added since is not denied after an upgrade; a file someone edited (or one an older
 * version wrote without recording it) is kept as it is, and this version's default is put beside
 * it to compare with: a policy is never widened behind a person's back.
 */
export async function reconcilePolicyFile(
  wanted: PolicyDefault,
  writtenSha256: string | undefined,
  write: (file: string, text: string) => Promise<void>,
): Promise<PolicyFileOutcome> {
  const sha = sha256(wanted.text);
  if (!existsSync(wanted.file)) {
    await write(wanted.file, wanted.text);
    return { kind: "written", sha256: sha };
  }
  const current = await readFile(wanted.file, "utf8");
  if (current === wanted.text) return { kind: "current", sha256: sha };
  if (writtenSha256 !== undefined && sha256(current) === writtenSha256) {
    await write(wanted.file, wanted.text);
    return { kind: "updated", sha256: sha };
  }
  const defaultFile = `${wanted.file}.default`;
  await write(defaultFile, wanted.text);
  return { kind: "kept", defaultFile };
}
