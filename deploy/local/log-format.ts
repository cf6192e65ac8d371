const levelWidth = 5;
// span_id stays in the JSON logs; on a terminal the trace id is what one copies into Jaeger.
const hidden = new Set(["time", "service", "pid", "hostname", "level", "msg", "span_id"]);

/**
 * One JSON log line of a service, made readable for a terminal:
 * `order    info  rpc method=/shopmesh.order.v1.OrderService/CreateOrder code=OK …`.
 * Lines that are not JSON pass through unchanged.
 */
export function formatLogLine(service: string, line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${service.padEnd(8)} ${line}`;
  }
  const level = String(entry.level ?? "").padEnd(levelWidth);
  const fields = Object.entries(entry)
    .filter(([key]) => !hidden.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  return [service.padEnd(8), level, entry.msg ?? "", ...fields].join(" ");
}
