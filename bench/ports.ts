// The benchmark's fixed ports, one block below Linux's ephemeral range (32768–60999 by default).
// Every outgoing connection's local port comes from that range, and the tests take theirs from
// blocks lower still (test/support/ports.ts, 16768–24767), so nothing else on the machine lands
// on one of these while a bench runs: `make test` runs the bench's smoke run beside other files.

const base = 27_000;
const trio = (first: number) => ({ user: first, product: first + 1, order: first + 2 });

/** Every port the bench listens on, or has a child process listen on. */
export const benchPorts = {
  /** The bare grpc-js server (the floor). */
  bare: base + 99,
  /** The stack's services, their plaintext health ports. */
  stack: trio(base + 151),
  stackHealth: trio(base + 161),
  /** The edge in front of the stack (and the next port: the edge on connect-node alone). */
  edge: base + 170,
  /** One service alone, started again and again (start to SERVING). */
  startTime: { grpc: base + 181, health: base + 182, metrics: base + 183 },
  /** nats-server of the event cases. */
  nats: base + 190,
  /** The mTLS side of the paired cases: the stack's ports this much higher. */
  pairedOffset: 300,
  /** The bench's PostgreSQL: one of a hundred, so that a server left over by a killed run is no obstacle. */
  postgres: () => base + 600 + Math.floor(Math.random() * 100),
} as const;
