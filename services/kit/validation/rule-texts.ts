import { type DescField, getOption } from "@bufbuild/protobuf";
import {
  isReflectMessage,
  type Path,
  type ReflectMessage,
  reflect,
} from "@bufbuild/protobuf/reflect";
import type { Violation } from "@bufbuild/protovalidate";
import {
  FieldRulesSchema,
  field as fieldRulesOption,
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";

// JavaScript's white space (what String.prototype.trim removes), as an RE2 class: the protos'
// not-blank and email patterns are built on it so the rules mean what `trim` means.
const space = String.raw`\t\n\v\f\r\x{feff}\p{Z}`;

const notBlank = `[^${space}]`;
/** The rule of a text field that must hold more than white space, as the API words it. */
export const blankText = "is required and must not be blank";

/** The texts of the protos' `string.pattern` rules: the rule a caller reads, not the regex. */
export const patternTexts: ReadonlyMap<string, string> = new Map([
  [notBlank, blankText],
  [
    `^[^@${space}]{1,64}@[^@.${space}]+(\\.[^@.${space}]+)+$`,
    "must be an email address such as name@example.com",
  ],
  ["^[A-Z]{3}$", "must be a three-letter upper-case ISO 4217 code such as EUR"],
]);

/**
 * The rule `violation` broke, in the words the API has always used (`must be a UUID`,
 * `must be at most 100 characters`): protovalidate names the rule by id, the values come from
 * the field's own rules. A rule without a text of ours keeps protovalidate's message.
 */
export function ruleText(violation: Violation): string {
  // The text depends on the field's rules only, never on the value: worked out once per rule.
  const field = lastField(violation.field);
  if (!field) return textOf(violation);
  const texts = cache.get(field) ?? new Map<string, string>();
  cache.set(field, texts);
  const rule = violation.rule.map((step) => (step.kind === "field" ? step.name : "")).join(".");
  const key = `${violation.ruleId} ${rule}`;
  const text = texts.get(key) ?? textOf(violation);
  texts.set(key, text);
  return text;
}

const cache = new WeakMap<DescField, Map<string, string>>();

function lastField(path: Path): DescField | undefined {
  for (let index = path.length - 1; index >= 0; index--) {
    const step = path[index];
    if (step?.kind === "field") return step;
  }
  return undefined;
}

function textOf(violation: Violation): string {
  const rules = violatedRules(violation);
  const arg = (name: string) => (rules ? ruleValue(rules.parent, name) : undefined);
  const kind = violation.ruleId.slice(violation.ruleId.indexOf(".") + 1);
  switch (violation.ruleId === "required" ? "required" : kind) {
    case "required":
      // A text field that must not be blank says so even when it is merely empty.
      return rules && stringRule(rules.field, "pattern") === notBlank ? blankText : "is required";
    case "uuid_empty":
      return "is required";
    case "uuid":
      return "must be a UUID";
    case "max_len":
      return `must be at most ${arg("max_len")} characters`;
    case "pattern":
      return patternTexts.get(String(arg("pattern"))) ?? violation.message;
    case "gte":
      return Number(arg("gte")) === 0 ? "must not be negative" : `must be at least ${arg("gte")}`;
    case "not_in":
      return `must not be ${[...(arg("not_in") as Iterable<unknown>)].join(" or ")}`;
    case "gte_lte":
      return `must be a whole number from ${arg("gte")} to ${arg("lte")}`;
    case "min_items":
      return Number(arg("min_items")) === 1
        ? `must hold at least one ${singular(violation.field)}`
        : `must hold at least ${arg("min_items")} ${plural(violation.field)}`;
    case "max_items":
      return `must hold at most ${arg("max_items")} ${plural(violation.field)}`;
    default:
      return violation.message;
  }
}

/** The field the violation is about and the rules message holding the broken rule. */
function violatedRules(
  violation: Violation,
): { field: DescField; parent: ReflectMessage } | undefined {
  const field = lastField(violation.field);
  if (!field) return undefined;
  let parent: ReflectMessage = reflect(FieldRulesSchema, getOption(field, fieldRulesOption));
  // The rule path ends at the rule (e.g. string.max_len); its parent holds its siblings (lte).
  for (const step of violation.rule.slice(0, -1)) {
    if (step.kind !== "field" || step.fieldKind !== "message") return undefined;
    const next: unknown = parent.get(step);
    if (!isReflectMessage(next)) return undefined;
    parent = next;
  }
  return { field, parent };
}

/** A rule's value by its proto name, e.g. `max_len` in StringRules. */
function ruleValue(rules: ReflectMessage, name: string): unknown {
  const field = rules.desc.fields.find((candidate) => candidate.name === name);
  return field && rules.isSet(field) ? rules.get(field) : undefined;
}

/** A string rule of `field` (its `pattern`, …), whatever rule was broken. */
function stringRule(field: DescField, name: string): unknown {
  const rules = getOption(field, fieldRulesOption);
  return rules.type.case === "string"
    ? ruleValue(reflect(FieldRulesSchema, rules).get(stringField) as ReflectMessage, name)
    : undefined;
}

const stringField = FieldRulesSchema.field.string as DescField;

/** `items` for a violation of `items`: the name of the list field. */
function plural(path: Path): string {
  const last = path[path.length - 1];
  return last?.kind === "field" ? last.name : "items";
}

/** `item` for `items`, `id` for `ids`. */
function singular(path: Path): string {
  return plural(path).replace(/s$/, "");
}
