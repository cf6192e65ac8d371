import { Code, ConnectError } from "@connectrpc/connect";

/** The code name and raw message a call failed with, and the error; throws when it succeeded. */
export async function rpcFailure(
  call: () => Promise<unknown>,
): Promise<{ code: string; message: string; error: ConnectError }> {
  try {
    await call();
  } catch (error) {
    const connectError = ConnectError.from(error);
    return { code: Code[connectError.code], message: connectError.rawMessage, error: connectError };
  }
  throw new Error("the call succeeded");
}
