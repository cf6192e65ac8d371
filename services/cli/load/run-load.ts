import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import type { CommandLine } from "../command-line.js";
import { type MeshAddresses, meshClients } from "../mesh-clients.js";
import type { OperatorIdentity } from "../operator-identity.js";
import { grpcCodeName } from "../status-name.js";
import type { CliTracing } from "../tracing.js";
import { journeyKinds, prepareShop, runJourney } from "./journeys.js";
import { drawKind, loadSettings } from "./load-settings.js";
import { LoadWindow, secondLine, summary } from "./load-stats.js";

// Journeys still running when the time is up get this long to finish (calls time out at 5 s).
const finishMs = 6_000;

/**
 * `shopmesh load`: shopper journeys started at a steady rate whatever the mesh answers (an
 * open loop, as real shoppers arrive), each journey one trace; a line per second and a summary.
 * Stops by itself after --duration, or at Ctrl-C.
 */
export async function runLoad(
  addresses: MeshAddresses,
  identity: OperatorIdentity | "plaintext",
  tracing: CliTracing,
  line: CommandLine,
): Promise<void> {
  const settings = loadSettings(line);
  let window = new LoadWindow();
  const total = new LoadWindow();
  let measuring = false;
  const record = (apply: (stats: LoadWindow) => void) => {
    if (!measuring) return;
    apply(window);
    apply(total);
  };
  const measure: Interceptor = (next) => async (request) => {
    const started = performance.now();
    try {
      const response = await next(request);
      record((stats) => stats.call(performance.now() - started));
      return response;
    } catch (error) {
      const code = grpcCodeName(ConnectError.from(error).code);
      record((stats) => stats.call(performance.now() - started, code));
      throw error;
    }
  };
  const clients = meshClients(addresses, identity, [tracing.interceptor, measure]);
  const shop = await prepareShop(clients, randomUUID().slice(0, 8), settings.shoppers);
  console.log(
    `load: ${settings.rate} journeys/s for ${settings.durationMs / 1000} s against order ${addresses.order}, ` +
      `product ${addresses.product}, user ${addresses.user} (Ctrl-C stops early)`,
  );

  measuring = true;
  const started = performance.now();
  const planned = Math.ceil((settings.durationMs / 1000) * settings.rate);
  // Beyond this many journeys in flight the mesh is not keeping up: skip rather than pile on.
  const maxRunning = Math.max(50, Math.ceil(settings.rate * 10));
  const running = new Set<Promise<void>>();
  let launched = 0;
  const launch = () => {
    const due = Math.min(
      planned,
      1 + Math.floor(((performance.now() - started) / 1000) * settings.rate),
    );
    for (; launched < due; launched++) {
      if (running.size >= maxRunning) {
        window.skipped++;
        total.skipped++;
        continue;
      }
      const kind = drawKind(settings);
      const journey = tracing
        .traced(`journey ${kind}`, () => runJourney(kind, clients, shop))
        .then(
          () => record((stats) => stats.journey(kind, true)),
          () => record((stats) => stats.journey(kind, false)),
        )
        .finally(() => running.delete(journey));
      running.add(journey);
    }
  };
  let seconds = 0;
  const pacer = setInterval(launch, 10);
  const ticker = setInterval(() => {
    console.log(secondLine(++seconds, window));
    window = new LoadWindow();
  }, 1_000);
  const interrupted = new AbortController();
  const onInterrupt = () => interrupted.abort();
  process.once("SIGINT", onInterrupt);
  launch();
  await sleep(settings.durationMs, undefined, { signal: interrupted.signal }).catch(() => {});
  clearInterval(pacer);
  clearInterval(ticker);
  process.off("SIGINT", onInterrupt);
  await Promise.race([Promise.allSettled(running), sleep(finishMs)]);
  measuring = false;
  console.log(summary(performance.now() - started, total, journeyKinds));
}
