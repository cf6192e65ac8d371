import { describe, expect, it } from "vitest";
import { parseTarget, resolveTarget } from "./grpc-target.js";

describe("the lean channel's targets, read as grpc-js reads them", () => {
  it("reads host:port, dns:///, dns://SERVER/, ipv4: and ipv6: lists; leaves unix: to grpc-js", () => {
    expect(parseTarget("localhost:50052")).toEqual({
      authority: "localhost:50052",
      host: "localhost",
      port: 50052,
    });
    expect(parseTarget("dns:///product-headless.shop.svc.cluster.local:50052")).toMatchObject({
      authority: "product-headless.shop.svc.cluster.local:50052",
      port: 50052,
    });
    expect(parseTarget("dns://127.0.0.1:5353/product:50052")).toMatchObject({
      host: "product",
      dnsServer: "127.0.0.1:5353",
    });
    expect(parseTarget("ipv4:127.0.0.1:1,127.0.0.2:2")?.fixed).toEqual([
      "127.0.0.1:1",
      "127.0.0.2:2",
    ]);
    expect(parseTarget("ipv6:[::1]:7")?.fixed).toEqual(["[::1]:7"]);
    expect(parseTarget("127.0.0.1:9")?.fixed).toEqual(["127.0.0.1:9"]);
    expect(parseTarget("unix:///run/shopmesh.sock")).toBeUndefined();
    expect(parseTarget("localhost")).toBeUndefined();
  });

  it("resolves a name through the system's resolver, /etc/hosts included", async () => {
    const addresses = await resolveTarget(parseTarget("localhost:8") as never);
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((a) => a.endsWith(":8"))).toBe(true);
    expect(addresses.some((a) => a === "127.0.0.1:8" || a === "[::1]:8")).toBe(true);
  });
});
