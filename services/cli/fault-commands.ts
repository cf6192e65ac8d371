import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import {
  AdminService,
  ClearFaultRulesResponseSchema,
  type FaultRule,
  FaultRuleSchema,
  ListFaultRulesResponseSchema,
  SetFaultRulesResponseSchema,
} from "../gen/shopmesh/admin/v1/admin_service_pb.js";
import { type CommandLine, UsageError } from "./command-line.js";
import type { MeshService } from "./mesh-transports.js";
import { type MeshCommand, printable as out } from "./printable.js";

const services: readonly MeshService[] = ["user", "product", "order"];

/** `faults list|set|clear --service S`: the fault rules of one running server. */
export const runFaultCommand: MeshCommand = async (transports, line) => {
  const service = line.required("service");
  if (!services.includes(service as MeshService)) {
    throw new UsageError(`--service ${service}: must be one of ${services.join(", ")}`);
  }
  const admin = createClient(AdminService, transports[service as MeshService]);
  switch (line.word(1)) {
    case "list":
      return out(ListFaultRulesResponseSchema, await admin.listFaultRules({}));
    case "set":
      return out(SetFaultRulesResponseSchema, await admin.setFaultRules({ rules: rules(line) }));
    case "clear":
      return out(ClearFaultRulesResponseSchema, await admin.clearFaultRules({}));
    default:
      throw new UsageError(`unknown command: ${line.positionals.join(" ")} (list, set or clear)`);
  }
};

/**
 * The rules to set: `--rules` in FAULT_INJECTION's JSON format, or one rule from `--method` and
 * its flags. The server checks them (and names the field it refuses); here only their shape.
 */
function rules(line: CommandLine): FaultRule[] {
  const json = line.options.rules;
  if (json === undefined) {
    return [
      create(FaultRuleSchema, {
        method: line.required("method"),
        delayMs: line.wholeNumber("delay-ms", 0, 4_294_967_295, line.options["delay-ms"] ?? "0"),
        abortPercent:
          line.options["abort-percent"] === undefined ? 0 : line.decimal("abort-percent", 0, 100),
        abortCode: line.options["abort-code"] ?? "",
      }),
    ];
  }
  if (line.options.method !== undefined) throw new UsageError("give --rules or --method, not both");
  let entries: unknown;
  try {
    entries = JSON.parse(json);
  } catch {
    throw new UsageError(
      `--rules: must be a JSON array of {method, delayMs, abortPercent, abortCode}`,
    );
  }
  if (!Array.isArray(entries)) throw new UsageError("--rules: must be a JSON array");
  return entries.map((entry: unknown, index) => {
    const where = `--rules: entry ${index}`;
    if (typeof entry !== "object" || entry === null)
      throw new UsageError(`${where}: must be an object`);
    const unknown = Object.keys(entry).filter((key) => !ruleFields.has(key));
    if (unknown.length > 0) throw new UsageError(`${where}: unknown field ${unknown.join(", ")}`);
    const {
      method = "",
      delayMs = 0,
      abortPercent = 0,
      abortCode = "",
    } = entry as Record<string, unknown>;
    // Only what the wire format needs is checked here; the server checks the rest and names it.
    if (typeof method !== "string") throw new UsageError(`${where}: method must be a string`);
    if (typeof delayMs !== "number" || !Number.isInteger(delayMs) || delayMs < 0) {
      throw new UsageError(`${where}: delayMs must be a whole number >= 0`);
    }
    if (typeof abortPercent !== "number")
      throw new UsageError(`${where}: abortPercent must be a number`);
    if (typeof abortCode !== "string")
      throw new UsageError(`${where}: abortCode must be a status name`);
    return create(FaultRuleSchema, { method, delayMs, abortPercent, abortCode });
  });
}

const ruleFields = new Set(["method", "delayMs", "abortPercent", "abortCode"]);
