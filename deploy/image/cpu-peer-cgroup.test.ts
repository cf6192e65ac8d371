import { describe, expect, it } from "vitest";
import { cpuCgroupOf } from "./cpu-peer-cgroup.js";

describe("cpuCgroupOf", () => {
  it("takes the cpu hierarchy's path on cgroup v1, whatever the other controllers say", () => {
    const v1 = [
      "9:name=systemd:/",
      "4:memory:/process_api/d76ba65f",
      "2:cpuacct:/",
      "1:cpu:/",
      "0::/",
    ].join("\n");
    expect(cpuCgroupOf(v1)).toBe("/");
    expect(cpuCgroupOf("3:cpu,cpuacct:/ci/job-7\n0::/\n")).toBe("/ci/job-7");
  });

  it("takes the cgroup v2 root, and nothing below it (no children beside processes there)", () => {
    expect(cpuCgroupOf("0::/\n")).toBe("/");
    expect(cpuCgroupOf("0::/user.slice/user-1000.slice/session-2.scope\n")).toBeUndefined();
  });

  it("does not mistake cpuset or cpuacct for cpu", () => {
    expect(cpuCgroupOf("5:cpuset:/a\n2:cpuacct:/b\n")).toBeUndefined();
  });
});
