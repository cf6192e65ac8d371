import { invalidArgument } from "../rpc-error.js";

/** A comparison operator of the AIP-160 subset. */
export type FilterOperator = "=" | "!=" | "<" | "<=" | ">" | ">=";

/** One `field operator value` of a filter. */
export interface FilterComparison {
  readonly field: string;
  readonly operator: FilterOperator;
  /** The value's text, quotes removed and escapes resolved. */
  readonly value: string;
  /** Where the comparison starts in the filter (0-based), for error messages. */
  readonly position: number;
}

/** A filterable field: the operators it takes. */
export type FilterFields = Readonly<Record<string, readonly FilterOperator[]>>;

/** At most this many comparisons, so a filter cannot make a query of unbounded size. */
export const maxFilterComparisons = 10;

type Token =
  | { kind: "word"; text: string; position: number }
  | { kind: "string"; text: string; position: number }
  | { kind: "operator"; text: FilterOperator; position: number }
  | { kind: "other"; text: string; position: number };

/**
 * Parses the AIP-160 subset a list supports: comparisons `field op value` joined by `AND`, each
 * field one of `fields` with one of its operators; values are bare words (`CONFIRMED`) or quoted
 * strings (`"2026-01-02T03:04:05Z"`). Anything else (OR, NOT, parentheses, functions, `:`) is
 * INVALID_ARGUMENT on the field `filter`, naming what is wrong and where. Empty means no filter.
 * Its length is the request's rule (`buf.validate` max_len on the proto's `filter` field).
 */
export function parseFilter(filter: string, fields: FilterFields): FilterComparison[] {
  const tokens = tokenize(filter);
  const comparisons: FilterComparison[] = [];
  let index = 0;
  while (index < tokens.length) {
    if (comparisons.length > 0) {
      const joiner = tokens[index] as Token;
      if (joiner.kind !== "word" || joiner.text !== "AND") {
        throw filterError(
          `expected AND at position ${joiner.position}, found ${quoted(joiner)}; only comparisons joined by AND are supported`,
        );
      }
      index++;
    }
    const [field, operator, value] = [tokens[index], tokens[index + 1], tokens[index + 2]];
    if (!field) throw filterError("ends with AND: a comparison must follow it");
    comparisons.push(comparison(field, operator, value, fields));
    if (comparisons.length > maxFilterComparisons) {
      throw filterError(`must hold at most ${maxFilterComparisons} comparisons`);
    }
    index += 3;
  }
  return comparisons;
}

function comparison(
  field: Token,
  operator: Token | undefined,
  value: Token | undefined,
  fields: FilterFields,
): FilterComparison {
  if (field.kind !== "word" || unsupportedWords.has(field.text)) {
    throw filterError(
      `expected a field name at position ${field.position}, found ${quoted(field)}; ${unsupportedHint}`,
    );
  }
  const operators = Object.hasOwn(fields, field.text) ? fields[field.text] : undefined;
  if (!operators) {
    throw filterError(
      `unknown field "${field.text}" at position ${field.position}; filterable: ${Object.keys(fields).join(", ")}`,
    );
  }
  if (operator?.kind !== "operator") {
    const found = operator ? quoted(operator) : "the end";
    throw filterError(`expected an operator after ${field.text}, found ${found}`);
  }
  if (!operators.includes(operator.text)) {
    throw filterError(
      `${field.text} does not take ${operator.text}; it takes ${operators.join(" ")}`,
    );
  }
  if (
    !value ||
    (value.kind !== "word" && value.kind !== "string") ||
    unsupportedWords.has(value.text)
  ) {
    const found = value ? quoted(value) : "the end";
    throw filterError(`expected a value after ${field.text} ${operator.text}, found ${found}`);
  }
  return {
    field: field.text,
    operator: operator.text,
    value: value.text,
    position: field.position,
  };
}

const unsupportedWords = new Set(["AND", "OR", "NOT"]);
const unsupportedHint = "OR, NOT, parentheses and functions are not supported";
const operatorPattern = /^(<=|>=|!=|=|<|>)/;
const wordPattern = /^[A-Za-z0-9_.:+-]+/;

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < filter.length) {
    const rest = filter.slice(position);
    const space = /^\s+/.exec(rest);
    if (space) {
      position += space[0].length;
      continue;
    }
    const operator = operatorPattern.exec(rest);
    const word = wordPattern.exec(rest);
    if (operator) {
      tokens.push({ kind: "operator", text: operator[0] as FilterOperator, position });
      position += operator[0].length;
    } else if (rest[0] === '"' || rest[0] === "'") {
      const [text, length] = stringAt(rest, position);
      tokens.push({ kind: "string", text, position });
      position += length;
    } else if (word && !word[0].includes(":")) {
      tokens.push({ kind: "word", text: word[0], position });
      position += word[0].length;
    } else {
      // `:` (has), parentheses, `-` negation and the like: named, not guessed at.
      const text = word ? word[0] : (rest[0] as string);
      tokens.push({ kind: "other", text, position });
      position += text.length;
    }
  }
  return tokens;
}

/** A quoted string at the start of `rest`: its text and how many characters it took. */
function stringAt(rest: string, position: number): [string, number] {
  const quote = rest[0] as string;
  let text = "";
  for (let index = 1; index < rest.length; index++) {
    const char = rest[index] as string;
    if (char === quote) return [text, index + 1];
    if (char === "\\") {
      index++;
      if (index >= rest.length) break;
    }
    text += rest[index];
  }
  throw filterError(`the string starting at position ${position} is not closed`);
}

function quoted(token: Token): string {
  return token.kind === "string" ? `a string at position ${token.position}` : `"${token.text}"`;
}

/** INVALID_ARGUMENT on the field `filter`. */
export function filterError(rule: string): ReturnType<typeof invalidArgument> {
  return invalidArgument("filter", rule, "INVALID_FILTER");
}
