import { describe, expect, it } from "vitest";
import { parseManifests, validateManifests } from "./k8s-validate.js";

describe("parseManifests", () => {
  it("reads helm template output, dropping empty documents, the YAML 1.1 way Kubernetes does", () => {
    const text = [
      "---",
      "# Source: shopmesh/templates/serviceaccount.yaml",
      "apiVersion: v1",
      "kind: ServiceAccount",
      "metadata:",
      "  name: shopmesh-order",
      "---",
      "# Source: shopmesh/templates/empty.yaml",
      "---",
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      "  name: shopmesh-config",
      "data:",
      "  mode: 0644",
      "  enabled: on",
      "  at: 12:30",
      "  since: 2024-01-02",
      "",
    ].join("\n");
    const objects = parseManifests(text);
    expect(objects.map((object) => object.kind)).toEqual(["ServiceAccount", "ConfigMap"]);
    // go-yaml v2 reads 0644 as octal and `on` as true, keeps `12:30` and dates as strings.
    expect(objects[1]?.data).toEqual({
      mode: 420,
      enabled: true,
      at: "12:30",
      since: "2024-01-02",
    });
    expect(validateManifests(objects)).toEqual([
      "ConfigMap shopmesh-config: data.mode must be string (is 420)",
      "ConfigMap shopmesh-config: data.enabled must be string (is true)",
    ]);
  });

  it("throws on a YAML syntax error", () => {
    expect(() => parseManifests("kind: [unclosed\n")).toThrow(/YAML document 1/);
  });
});
