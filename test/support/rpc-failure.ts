import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The code name and raw message a call failed with; throws when it succeeded, and rethrows
 * what is not an RPC error (a bug in the test must not pass as the status UNKNOWN).
 */
export async function rpcFailure(
  call: () => Promise<unknown>,
): Promise<{ code: string; message: string }> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    return { code: Code[error.code], message: error.rawMessage };
  }
  throw new Error("the call succeeded");
}
