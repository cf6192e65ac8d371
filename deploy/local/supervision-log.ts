import type { RestartEvent, ServiceExit } from "./supervised-process.js";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The runner's line about a service (or the edge) that exited or is being restarted, beside the services' logs. */
export function supervisionLine(
  service: string,
  event: RestartEvent | ({ readonly phase: "exited" } & ServiceExit),
): string {
  const prefix = `${"runner".padEnd(8)} ${event.phase === "started" ? "info " : "warn "}`;
  switch (event.phase) {
    case "exited": {
      const how = event.signal ? `signal ${event.signal}` : `exit code ${event.code}`;
      return `${prefix} ${service} service exited unexpectedly (${how}) after ${seconds(event.ranForMs)}; the other services keep running`;
    }
    case "scheduled":
      return `${prefix} restarting the ${service} service in ${seconds(event.delayMs)} (restart ${event.restart}; the wait doubles while it keeps crashing)`;
    case "started":
      return `${prefix} ${service} service restarted and serving (pid ${event.pid}, restart ${event.restart})`;
    case "failed":
      return `${prefix} restart ${event.restart} of the ${service} service failed: ${event.reason}`;
  }
}
