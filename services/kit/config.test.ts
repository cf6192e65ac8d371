import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  boolean,
  ConfigError,
  grpcTarget,
  integer,
  oneOf,
  port,
  postgresUrl,
  readConfig,
  text,
} from "./config.js";

const settings = {
  port: { env: "PORT", parse: port, default: 50051 },
  logLevel: { env: "LOG_LEVEL", parse: oneOf("info", "debug"), default: "info" },
  tracing: { env: "TRACING", parse: boolean, default: false },
  databaseUrl: { env: "DATABASE_URL", parse: postgresUrl, secret: true, fromFile: true },
};

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("readConfig", () => {
  const databaseUrl = "postgres://shop:secret@db:5432/shop";

  it("uses the defaults of unset variables", () => {
    expect(readConfig(settings, { DATABASE_URL: databaseUrl })).toEqual({
      port: 50051,
      logLevel: "info",
      tracing: false,
      databaseUrl,
    });
  });

  it("parses set variables, trimmed", () => {
    const config = readConfig(settings, {
      PORT: " 8080 ",
      LOG_LEVEL: "debug",
      TRACING: "true",
      DATABASE_URL: databaseUrl,
    });
    expect(config).toEqual({ port: 8080, logLevel: "debug", tracing: true, databaseUrl });
  });

  it("treats an empty or blank variable as unset", () => {
    const config = readConfig(settings, { PORT: "", LOG_LEVEL: "   ", DATABASE_URL: databaseUrl });
    expect(config.port).toBe(50051);
    expect(config.logLevel).toBe("info");
  });

  it("returns a frozen object", () => {
    const config = readConfig(settings, { DATABASE_URL: databaseUrl });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reports a required variable that is missing or empty", () => {
    expect(() => readConfig(settings, {})).toThrow(ConfigError);
    expect(() => readConfig(settings, { DATABASE_URL: "" })).toThrow("DATABASE_URL is required");
  });

  it("reports every bad variable together in one error", () => {
    const error = configError(() =>
      readConfig(settings, { PORT: "70000", LOG_LEVEL: "loud", TRACING: "yes" }),
    );
    expect(error.name).toBe("ConfigError");
    expect(error.message).toContain('PORT="70000": must be a whole number from 0 to 65535');
    expect(error.message).toContain('LOG_LEVEL="loud": must be one of info, debug');
    expect(error.message).toContain('TRACING="yes": must be true or false');
    expect(error.message).toContain("DATABASE_URL is required");
  });

  it("never echoes the value of a secret", () => {
    const error = configError(() =>
      readConfig(settings, { DATABASE_URL: "mysql://shop:hunter2@db/shop" }),
    );
    expect(error.message).toContain("DATABASE_URL=(hidden): must start with postgres://");
    expect(error.message).not.toContain("hunter2");
  });
});

describe("readConfig with <env>_FILE (a mounted Secret)", () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), "shopmesh-config-"));
  const file = (name: string, content: string) => {
    const where = path.join(folder, name);
    writeFileSync(where, content);
    return where;
  };

  it("reads the value from the file, trimmed of the newline a Secret often ends with", () => {
    const DATABASE_URL_FILE = file("url", "postgres://shop:s3cret@db:5432/shop\n");
    expect(readConfig(settings, { DATABASE_URL_FILE }).databaseUrl).toBe(
      "postgres://shop:s3cret@db:5432/shop",
    );
  });

  it("refuses the variable and the file together, naming both", () => {
    const DATABASE_URL_FILE = file("both", "postgres://a@b/c");
    expect(() =>
      readConfig(settings, { DATABASE_URL: "postgres://a@b/c", DATABASE_URL_FILE }),
    ).toThrow("set DATABASE_URL or DATABASE_URL_FILE, not both");
  });

  it("names a file that cannot be read, and checks what it holds like the variable", () => {
    const missing = path.join(folder, "nope");
    expect(() => readConfig(settings, { DATABASE_URL_FILE: missing })).toThrow(
      `DATABASE_URL_FILE="${missing}": cannot be read (ENOENT)`,
    );
    const DATABASE_URL_FILE = file("mysql", "mysql://shop:hunter2@db/shop");
    const error = configError(() => readConfig(settings, { DATABASE_URL_FILE }));
    expect(error.message).toContain("DATABASE_URL=(hidden): must start with postgres://");
    expect(error.message).not.toContain("hunter2");
  });

  it("ignores <env>_FILE for settings that do not allow it", () => {
    expect(readConfig(settings, { DATABASE_URL: "postgres://a@b/c", PORT_FILE: "/x" }).port).toBe(
      50051,
    );
  });
});

describe("integer", () => {
  it("accepts whole numbers within the bounds", () => {
    expect(integer(1, 10)("1")).toBe(1);
    expect(integer(1, 10)("10")).toBe(10);
    expect(integer(-5)("-5")).toBe(-5);
  });

  it.each(["0", "11", "1.5", "1e1", "ten", "0x5", "9007199254740993"])("refuses %j", (raw) => {
    expect(() => integer(1, 10)(raw)).toThrow("must be a whole number from 1 to 10");
  });

  it("refuses numbers beyond the safe integers when unbounded", () => {
    expect(() => integer(0)("9007199254740993")).toThrow("must be a whole number");
  });
});

describe("port", () => {
  it("accepts 0 to 65535", () => {
    expect(port("0")).toBe(0);
    expect(port("65535")).toBe(65535);
  });

  it("refuses -1 and 65536", () => {
    expect(() => port("-1")).toThrow("from 0 to 65535");
    expect(() => port("65536")).toThrow("from 0 to 65535");
  });
});

describe("text", () => {
  it("returns the value", () => {
    expect(text("shopmesh")).toBe("shopmesh");
  });
});

describe("oneOf", () => {
  it("accepts a listed word, case-sensitively", () => {
    const level = oneOf("info", "debug");
    expect(level("debug")).toBe("debug");
    expect(() => level("DEBUG")).toThrow("must be one of info, debug");
  });
});

describe("boolean", () => {
  it("accepts exactly true and false", () => {
    expect(boolean("true")).toBe(true);
    expect(boolean("false")).toBe(false);
    for (const raw of ["1", "yes", "TRUE"]) expect(() => boolean(raw)).toThrow("true or false");
  });
});

describe("postgresUrl", () => {
  it("accepts postgres:// and postgresql:// URLs unchanged", () => {
    expect(postgresUrl("postgres://u:p@h:5432/d")).toBe("postgres://u:p@h:5432/d");
    expect(postgresUrl("postgresql://h/d")).toBe("postgresql://h/d");
  });

  it("refuses text that is not a URL", () => {
    expect(() => postgresUrl("localhost:5432")).toThrow("must start with postgres://");
    expect(() => postgresUrl("not a url")).toThrow("must be a URL such as postgres://");
  });

  it("refuses other schemes", () => {
    expect(() => postgresUrl("mysql://h/d")).toThrow(
      "must start with postgres:// or postgresql://",
    );
  });
});

describe("grpcTarget", () => {
  it.each([
    "localhost:50051",
    "10.0.0.7:50052",
    "[::1]:50051",
    "dns:///product-headless.shop.svc.cluster.local:50052",
    "ipv4:127.0.0.1:50051",
    "unix:///run/shopmesh.sock",
  ])("accepts %j", (raw) => {
    expect(grpcTarget(raw)).toBe(raw);
  });

  it.each(["localhost", "http://localhost:50051", "localhost:port", "host :50051"])(
    "refuses %j",
    (raw) => {
      expect(() => grpcTarget(raw)).toThrow("must be a gRPC target");
    },
  );
});
