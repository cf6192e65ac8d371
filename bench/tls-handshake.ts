import { readFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { performance } from "node:perf_hooks";
import { connect as tlsConnect } from "node:tls";
import type { TrustDomain, Workload } from "../deploy/local/trust-domain.js";
import { checkServerIdentity } from "../services/kit/trust/index.js";
import { percentile } from "./unary-load.js";

/** Connection set-up times, in milliseconds. */
export interface HandshakeTimes {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Who dials (with its certificate) and which SPIFFE ID the server must present. */
export interface HandshakeIdentity {
  readonly domain: TrustDomain;
  readonly client: Workload;
  readonly server: Workload;
}

/**
 * Opens `count` connections to `address` one after another and times each until it is usable:
 * the TCP connect alone, or with `identity` the mTLS handshake as grpc-js makes it (client
 * certificate, h2 ALPN, the server's SPIFFE ID checked). Each is closed before the next.
 */
export async function handshakeTimes(
  address: string,
  count: number,
  identity?: HandshakeIdentity,
): Promise<HandshakeTimes> {
  const [host = "", portText = ""] = address.split(":");
  const port = Number(portText);
  const tls = identity && {
    ca: readFileSync(identity.domain.caFile),
    cert: readFileSync(identity.domain.certFile(identity.client)),
    key: readFileSync(identity.domain.keyFile(identity.client)),
    expected: identity.domain.identities[identity.server],
    servername: identity.server,
  };
  const times: number[] = [];
  for (let n = 0; n < count; n++) {
    const began = performance.now();
    await new Promise<void>((resolve, reject) => {
      const socket = tls
        ? tlsConnect(
            {
              host,
              port,
              ca: tls.ca,
              cert: tls.cert,
              key: tls.key,
              servername: tls.servername,
              ALPNProtocols: ["h2"],
              checkServerIdentity: (_name, certificate) =>
                checkServerIdentity(certificate, tls.expected),
            },
            () => done(),
          )
        : tcpConnect({ host, port }, () => done());
      const done = () => {
        times.push(performance.now() - began);
        socket.destroy();
        resolve();
      };
      socket.once("error", reject);
    });
  }
  times.sort((a, b) => a - b);
  return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
}

/** One line of the report: the mTLS handshake against a bare TCP connect. */
export function handshakeLine(handshake?: {
  readonly mtls: HandshakeTimes;
  readonly tcpOnly: HandshakeTimes;
}): string {
  const ms = (t?: HandshakeTimes) => `p50 ${t?.p50Ms.toFixed(3)} ms, p99 ${t?.p99Ms.toFixed(3)} ms`;
  return `new connection: mTLS handshake ${ms(handshake?.mtls)}; TCP connect only ${ms(handshake?.tcpOnly)}`;
}
