import { portInUse } from "../../services/kit/index.js";

/** A port the runner is about to use, and the variable that changes it. */
export interface PortUse {
  readonly what: string;
  readonly host: string;
  readonly port: number;
  readonly variable: string;
}

/**
 * Throws one line naming the first port that something else already listens on, and the
 * variable to change, before anything starts (and has to be stopped again).
 */
export async function checkPortsFree(uses: readonly PortUse[]): Promise<void> {
  for (const use of uses) {
    if (await portInUse(use.host, use.port)) {
      throw new Error(
        `${use.what} cannot listen on ${use.host}:${use.port}: the port is already in use ` +
          `(another make run, or another program); set ${use.variable} to a free port`,
      );
    }
  }
}
