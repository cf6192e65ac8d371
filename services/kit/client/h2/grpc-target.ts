import dns from "node:dns";
import net from "node:net";

/** Where a channel target's servers are: the name to resolve (or fixed addresses), and how. */
export interface ParsedTarget {
  /** `host:port` as gRPC's `:authority` header and TLS server name default carry it. */
  readonly authority: string;
  /** Fixed `host:port` addresses (`ipv4:`/`ipv6:` lists, or an IP); else resolved by name. */
  readonly fixed?: readonly string[];
  readonly host: string;
  readonly port: number;
  /** The DNS server of a `dns://SERVER/name:port` target; the system's resolver otherwise. */
  readonly dnsServer?: string;
}

/**
 * The targets the lean channel dials itself, as grpc-js reads them: `host:port`,
 * `dns:///host:port`, `dns://SERVER:PORT/host:port`, `ipv4:a:p,b:p`, `ipv6:[a]:p`. Anything
 * else (`unix:`) is undefined: such a dependency stays on grpc-js.
 */
export function parseTarget(target: string): ParsedTarget | undefined {
  const list = /^(ipv4|ipv6):(.+)$/.exec(target);
  if (list) {
    const fixed = (list[2] ?? "").split(",").map((entry) => splitHostPort(entry));
    if (fixed.some((entry) => entry === undefined)) return undefined;
    const [first] = fixed as { host: string; port: number }[];
    if (!first) return undefined;
    return {
      authority: joinHostPort(first.host, first.port),
      host: first.host,
      port: first.port,
      fixed: (fixed as { host: string; port: number }[]).map((a) => joinHostPort(a.host, a.port)),
    };
  }
  const named = /^dns:\/\/([^/]*)\/(.+)$/.exec(target);
  const hostPort = named ? (named[2] ?? "") : target;
  if (!named && /^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return undefined;
  if (!named && target.startsWith("unix:")) return undefined;
  const parsed = splitHostPort(hostPort);
  if (!parsed) return undefined;
  const authority = joinHostPort(parsed.host, parsed.port);
  const dnsServer = named?.[1] ? named[1] : undefined;
  return {
    authority,
    host: parsed.host,
    port: parsed.port,
    ...(net.isIP(parsed.host) ? { fixed: [authority] } : {}),
    ...(dnsServer ? { dnsServer } : {}),
  };
}

/**
 * The target's `host:port` addresses now: fixed ones as they are; a name through the system's
 * resolver (`/etc/hosts` included, as grpc-js's default), or through the target's DNS server.
 */
export async function resolveTarget(target: ParsedTarget): Promise<string[]> {
  if (target.fixed) return [...target.fixed];
  const { host, port } = target;
  if (target.dnsServer) {
    const resolver = new dns.promises.Resolver();
    resolver.setServers([target.dnsServer]);
    const settled = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const found = settled.flatMap((result) => (result.status === "fulfilled" ? result.value : []));
    if (found.length === 0) {
      const failed = settled.find((result) => result.status === "rejected");
      throw failed?.status === "rejected" ? failed.reason : new Error(`${host}: no addresses`);
    }
    return found.map((address) => joinHostPort(address, port));
  }
  const found = await dns.promises.lookup(host, { all: true });
  return found.map(({ address }) => joinHostPort(address, port));
}

function splitHostPort(value: string): { host: string; port: number } | undefined {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:[\]]+):(\d+)$/.exec(value);
  if (!match) return undefined;
  const port = Number(match[2]);
  return port > 0 && port < 65536 ? { host: match[1] ?? "", port } : undefined;
}

/** `host:port`, with an IPv6 host in brackets. */
export function joinHostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
