import { UsageError } from "./command-line.js";

/**
 * Prints `error` as the lines a person reads (never a stack trace); returns the exit code: 2
 * for a mistake in the command line, else 1. The error details' descriptors load only here.
 */
export async function report(error: unknown): Promise<number> {
  if (error instanceof UsageError) {
    console.error(`error: ${error.message} (shopmesh --help lists the commands and options)`);
    return 2;
  }
  return (await import("./error-report.js")).printFailure(error);
}
