import net from "node:net";

/** One connection the ClusterIP stand-in sent on: when, where, and what it chose from. */
export interface ClusterIpConnection {
  /** Date.now() when the connection arrived. */
  readonly at: number;
  /** The endpoint (host:port) drawn for it. */
  readonly backend: string;
  /** The endpoints it was drawn from. */
  readonly endpoints: readonly string[];
}

/** A Service's ClusterIP as kube-proxy implements it: one address, a backend per connection. */
export interface ClusterIp {
  /** host:port to dial. */
  readonly address: string;
  /** Every connection sent on so far, in order (what a test holds the draws to). */
  readonly connections: readonly ClusterIpConnection[];
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 (a free port) and sends each new TCP connection to an endpoint drawn at
 * random from `endpoints()` at that moment, as kube-proxy's iptables rules do. It forwards bytes
 * only (TLS passes through), so a client's one long-lived HTTP/2 connection stays on one pod until
 * the server ends it (max connection age): what callers outside the mesh get on a real cluster.
 */
export async function startClusterIp(endpoints: () => readonly string[]): Promise<ClusterIp> {
  const sockets = new Set<net.Socket>();
  const connections: ClusterIpConnection[] = [];
  const server = net.createServer((client) => {
    const choices = endpoints();
    const backend = choices[Math.floor(Math.random() * choices.length)];
    if (backend === undefined) {
      client.destroy(); // no endpoint: kube-proxy rejects the connection
      return;
    }
    connections.push({ at: Date.now(), backend, endpoints: choices });
    const [host = "", port = ""] = backend.split(":");
    const upstream = net.connect(Number(port), host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    }
    client.pipe(upstream).on("error", () => client.destroy());
    upstream.pipe(client).on("error", () => upstream.destroy());
    // A reset on one side resets the other, as a NATed connection would.
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
