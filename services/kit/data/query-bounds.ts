import { connect } from "node:net";
import type pg from "pg";
import { type CallBounds, callerGone } from "../call-scope.js";

// Cancels still on their way to the server, per connection: the connection goes back to the pool
// only after its cancel arrived, or the cancel could end the next borrower's query.
const cancelling = new WeakMap<pg.PoolClient, Promise<void>>();
// Each bound connection's own query, for clean-up that must run although the caller has gone.
const unbound = new WeakMap<pg.PoolClient, pg.PoolClient["query"]>();

/**
 * Runs `sql` on `client` free of its call's bounds, once any cancel sent for it has arrived (or
 * the cancel could end this statement instead): ROLLBACK after the caller went.
 */
export async function cleanUp(client: pg.PoolClient, sql: string): Promise<void> {
  await cancelling.get(client);
  const query = unbound.get(client) ?? client.query;
  await (query as (text: string) => Promise<unknown>).call(client, sql);
}

/**
 * `SET LOCAL` statements that end a transaction's statements and lock waits by themselves at the
 * call's deadline, when that is nearer than the pool's ceiling; empty otherwise.
 */
export function timeoutsFor(call: CallBounds | undefined, ceilingMs: number): string {
  if (!call || !Number.isFinite(call.deadline)) return "";
  const left = Math.ceil(call.deadline - Date.now());
  if (ceilingMs > 0 && left >= ceilingMs) return "";
  // 1 ms at least: 0 would mean "no timeout" to PostgreSQL.
  const ms = Math.max(1, left);
  return ` SET LOCAL statement_timeout = ${ms}; SET LOCAL lock_timeout = ${ms};`;
}

/**
 * Binds a connection being checked out to the call it is for: refused when the caller has gone
 * (also while waiting for a free connection), and each query it runs refused or cancelled on
 * the server when the caller cancels or its deadline passes. Outside any call: unchanged.
 */
export async function bindToCall(
  checkout: Promise<pg.PoolClient>,
  call: CallBounds | undefined,
): Promise<pg.PoolClient> {
  if (!call) return checkout;
  const { signal } = call;
  const client = await new Promise<pg.PoolClient>((resolve, reject) => {
    const gaveUp = () => reject(callerGone(call));
    if (signal.aborted) gaveUp();
    else signal.addEventListener("abort", gaveUp, { once: true });
    checkout.then(
      (checkedOut) => {
        signal.removeEventListener("abort", gaveUp);
        // The caller left while we waited: the connection goes straight back.
        if (signal.aborted) checkedOut.release();
        else resolve(checkedOut);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", gaveUp);
        reject(error);
      },
    );
  });
  const query = client.query;
  const release = client.release;
  client.query = boundQuery(client, query, call) as typeof client.query;
  unbound.set(client, query);
  client.release = (error?: Error | boolean) => {
    client.query = query;
    client.release = release;
    unbound.delete(client);
    const pending = cancelling.get(client);
    cancelling.delete(client);
    if (pending) void pending.then(() => release.call(client, error));
    else release.call(client, error);
  };
  return client;
}

function boundQuery(client: pg.PoolClient, query: pg.PoolClient["query"], call: CallBounds) {
  const run = query as (...args: unknown[]) => Promise<unknown>;
  return async (...args: unknown[]): Promise<unknown> => {
    if (call.signal.aborted) throw callerGone(call);
    const cancel = () => cancelling.set(client, cancelOnServer(client));
    call.signal.addEventListener("abort", cancel, { once: true });
    try {
      return await run.apply(client, args);
    } catch (error) {
      // query_canceled (57014) by our cancel, or anything else once the caller has gone.
      throw call.signal.aborted ? callerGone(call, error) : error;
    } finally {
      call.signal.removeEventListener("abort", cancel);
    }
  };
}

/**
 * Asks PostgreSQL to cancel what the connection runs now (a CancelRequest on a fresh socket, as
 * psql's Ctrl-C: no pool slot, no authentication). Resolves when the server closed that socket,
 * i.e. it has signalled the backend; never rejects (a cancel that cannot be sent changes nothing,
 * the statement timeouts still apply).
 */
function cancelOnServer(client: pg.PoolClient): Promise<void> {
  const { host, port, processID, secretKey } = client as unknown as {
    host: string;
    port: number;
    processID: number;
    secretKey: number;
  };
  return new Promise<void>((resolve) => {
    const socket = host.startsWith("/")
      ? connect(`${host}/.s.PGSQL.${port}`)
      : connect({ host, port });
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, 2_000);
    socket.on("connect", () => {
      const request = Buffer.alloc(16);
      request.writeInt32BE(16, 0);
      request.writeInt32BE(80877102, 4); // the CancelRequest code
      request.writeInt32BE(processID, 8);
      request.writeInt32BE(secretKey, 12);
      socket.write(request);
    });
    socket.on("close", done);
    socket.on("error", done);
  });
}
