import { randomUUID } from "node:crypto";
import { vi } from "vitest";
import type { ServiceName } from "../../deploy/local/mesh.js";
import { logFlushIntervalMs } from "../../services/kit/index.js";
import type { TestMesh } from "./test-mesh.js";

/** How long a marker line may take to appear: many flush intervals on a busy machine. */
const markerTimeoutMs = 25 * logFlushIntervalMs;

/**
 * Waits until a service process has written every line it logged before this call, and returns
 * the index in `output` of the marker line that proves it.
 *
 * Services buffer their log lines (services/kit/telemetry/logger.ts), so lines counted right after the calls
 * that made them may still be on their way. `ask` makes the service log a line of its own that
 * contains `marker` (a read of that id, answered NOT_FOUND and logged by the kit's call logger);
 * a process writes its lines in order, so once the marker is in `output`, so is everything that
 * process logged before it. Lines logged after `ask` was answered can still arrive later.
 */
export async function logsWritten(
  output: readonly string[],
  ask: (marker: string) => Promise<unknown>,
): Promise<number> {
  const marker = randomUUID();
  const answer = await ask(marker).then(
    () => new Error(`asking for ${marker} found something`),
    (error: unknown) => error,
  );
  // NOT_FOUND is 5 in gRPC and in Connect alike: the services' clients and the CLI's both work.
  if ((answer as { code?: unknown }).code !== 5) {
    throw new Error(`asking for ${marker} should be answered NOT_FOUND`, { cause: answer });
  }
  // vi.waitFor, not expect.poll: this also runs in hooks, where expect.poll may not.
  return vi.waitFor(
    () => {
      const index = output.findIndex((line) => line.includes(marker));
      if (index < 0) throw new Error(`no log line with ${marker} within ${markerTimeoutMs} ms`);
      return index;
    },
    { timeout: markerTimeoutMs, interval: logFlushIntervalMs / 10 },
  );
}

/** {@link logsWritten} for services of a test mesh, each asked for a user, product or order id. */
export async function meshLogsWritten(
  shop: TestMesh,
  services: readonly ServiceName[],
): Promise<void> {
  const { users, products, orders } = shop.clients;
  const ask: Record<ServiceName, (id: string) => Promise<unknown>> = {
    user: (id) => users.getUser({ id }),
    product: (id) => products.getProduct({ id }),
    order: (id) => orders.getOrder({ id }),
  };
  await Promise.all(services.map((service) => logsWritten(shop.output, ask[service])));
}
