// Issue #18 item 4 and #13 item 7, in the rendered chart: a password that cannot drift, kept on
// uninstall; per-service roles in correctly encoded URLs; sslmode for external databases; and a
// StatefulSet that starts, probes over TCP and drains like a production one. The init script
// itself runs against a real PostgreSQL in postgresql-init.test.ts.
import { describe, expect, it } from "vitest";
import { chart, find, render, runHelm } from "./helm.js";

const services = ["user", "product", "order"] as const;

/** A postgres:// URL's parts, decoded as node-postgres decodes them (decodeURIComponent). */
function parse(raw: string) {
  const url = new URL(raw);
  return {
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    host: url.hostname,
    port: url.port,
    database: decodeURIComponent(url.pathname.slice(1)),
  };
}

describe("the bundled PostgreSQL's password", () => {
  it("is required when it cannot be looked up, with the reason and the remedy", async () => {
    const { ok, output } = await runHelm(["template", "shopmesh", chart]);
    expect(ok).toBe(false);
    expect(output).toContain("postgresql.password is required");
    expect(output).toContain("helm template, Argo CD and Flux cannot");
    expect(output).toContain("openssl rand -hex 24");
  });

  it("renders the same Secrets on every render (nothing drawn at random)", async () => {
    const secrets = async () =>
      (await render()).filter((o) => o.kind === "Secret").map((o) => JSON.stringify(o.stringData));
    expect(await secrets()).toEqual(await secrets());
  });

  it("lives in a Secret that outlives an uninstall, as the data volume does", async () => {
    const secret = find(await render(), "Secret", "shopmesh-postgresql");
    expect(secret.metadata?.annotations?.["helm.sh/resource-policy"]).toBe("keep");
  });

  it("gives each service its own role and database, in URLs that decode to the Secret's passwords", async () => {
    // Characters that broke chart 0.1.0's URLs (a space became "+"): the services' passwords are
    // derived hex, and every URL part is percent-encoded.
    const objects = await render({ sets: ["postgresql.password=p w+@:/%#?&x"] });
    const passwords = find(objects, "Secret", "shopmesh-postgresql").stringData ?? {};
    const urls = find(objects, "Secret", "shopmesh-database").stringData ?? {};
    expect(passwords.POSTGRES_PASSWORD).toBe("p w+@:/%#?&x");
    const seen = new Set<string>();
    for (const service of services) {
      const url = parse(urls[`${service.toUpperCase()}_DATABASE_URL`] ?? "");
      expect(url).toMatchObject({
        user: `shopmesh_${service}`,
        database: `shopmesh_${service}`,
        host: "shopmesh-postgresql.shop.svc.cluster.local",
        port: "5432",
        password: passwords[`${service.toUpperCase()}_PASSWORD`],
      });
      expect(url.password).toMatch(/^[0-9a-f]{64}$/);
      seen.add(url.password);
    }
    expect(seen.size).toBe(3);
  });
});

describe("an external database", () => {
  it("gets sslmode (verify-full by default) unless its URL names one, and a CA from a Secret", async () => {
    const objects = await render({
      values: ["everything-off.yaml"],
      sets: ["database.caSecret=db-ca"],
    });
    const urls = find(objects, "Secret", "shopmesh-database").stringData ?? {};
    expect(urls.USER_DATABASE_URL).toBe(
      "postgres://shop:secret@db.example.com:5432/shopmesh_user?sslmode=require&sslrootcert=/etc/shopmesh/database-ca/ca.crt",
    );
    expect(urls.ORDER_DATABASE_URL).toBe(
      "postgres://shop:secret@db.example.com:5432/shopmesh_order?sslmode=verify-full&sslrootcert=/etc/shopmesh/database-ca/ca.crt",
    );
    const pod = find(objects, "Deployment", "shopmesh-order").spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: "database-ca",
      secret: {
        secretName: "db-ca",
        defaultMode: 0o444,
        items: [{ key: "ca.crt", path: "ca.crt" }],
      },
    });
    const plain = await render({
      values: ["everything-off.yaml"],
      sets: ["database.sslmode=disable"],
    });
    expect(find(plain, "Secret", "shopmesh-database").stringData?.PRODUCT_DATABASE_URL).toMatch(
      /\?sslmode=disable$/,
    );
  });
});

describe("the PostgreSQL StatefulSet", () => {
  it("starts, probes over TCP, has /dev/shm, a PDB, a headless governing Service, and inits at every start", async () => {
    const objects = await render();
    const statefulSet = find(objects, "StatefulSet", "shopmesh-postgresql").spec;
    const governing = find(objects, "Service", statefulSet.serviceName).spec;
    expect(governing.clusterIP).toBe("None");
    const pod = statefulSet.template.spec;
    const container = pod.containers[0];
    expect(container.startupProbe.exec.command).toEqual(
      expect.arrayContaining(["pg_isready", "-h", "127.0.0.1"]),
    );
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.exec.command).toEqual(expect.arrayContaining(["-h", "127.0.0.1"]));
    }
    expect(container.lifecycle.postStart.exec.command).toEqual([
      "bash",
      "/etc/shopmesh/init/postgresql-init.sh",
    ]);
    expect(container.volumeMounts).toContainEqual({ name: "shm", mountPath: "/dev/shm" });
    expect(pod.volumes).toContainEqual({
      name: "shm",
      emptyDir: { medium: "Memory", sizeLimit: "256Mi" },
    });
    expect(container.env.some((e: { name: string }) => e.name === "POSTGRES_PASSWORD")).toBe(false);
    const pdb = find(objects, "PodDisruptionBudget", "shopmesh-postgresql").spec;
    expect(pdb).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" });
    expect(
      find(objects, "ConfigMap", "shopmesh-postgresql-init").data?.["postgresql-init.sh"],
    ).toContain("REVOKE ALL ON DATABASE");
  });
});
