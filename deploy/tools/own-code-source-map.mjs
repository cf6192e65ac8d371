// Narrows a bundle's source map to the project's own code. Node parses a file's whole map the
// first time a stack trace passes through that file (--enable-source-maps): for a service's
// bundle, ~0.3 s of CPU, most of it mappings of node_modules code (seen in the order service's
// start, whose first logged error paid it). Frames in the project's code keep their TypeScript
// file and line; frames in a package map to nothing, so Node prints them as they are (the
// bundle's line, the function's name).
import { readFile, writeFile } from "node:fs/promises";

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const digit = new Map([...alphabet].map((c, i) => [c, i]));

/** The segments of one generated line, each as its fields' VLQ deltas. */
function decodeLine(line) {
  const segments = [];
  for (const text of line === "" ? [] : line.split(",")) {
    const fields = [];
    let value = 0;
    let shift = 0;
    for (const char of text) {
      const bits = digit.get(char);
      value += (bits & 31) << shift;
      if (bits & 32) {
        shift += 5;
        continue;
      }
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
    segments.push(fields);
  }
  return segments;
}

function encodeValue(value) {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let text = "";
  do {
    let bits = rest & 31;
    rest >>>= 5;
    if (rest > 0) bits |= 32;
    text += alphabet[bits];
  } while (rest > 0);
  return text;
}

/**
 * Keeps the mappings of sources for which `isOwn(source)` holds; where a line of other code
 * begins, one segment that maps to nothing, so it is not taken for the code before it.
 */
export function narrowSourceMap(map, isOwn) {
  const kept = map.sources.map(isOwn);
  const newIndex = [];
  const sources = [];
  map.sources.forEach((source, i) => {
    if (kept[i]) {
      newIndex[i] = sources.length;
      sources.push(source);
    }
  });
  // Absolute values carried across lines (the format's deltas), read and written.
  const read = { source: 0, line: 0, column: 0, name: 0 };
  const written = { source: 0, line: 0, column: 0, name: 0 };
  const lines = [];
  // Whether the last segment written maps to the project's code: a line that begins in other
  // code after other code needs no segment of its own (Node takes the nearest one before).
  let inOwn;
  for (const line of map.mappings.split(";")) {
    let generatedRead = 0;
    let generatedWritten = 0;
    const out = [];
    for (const fields of decodeLine(line)) {
      generatedRead += fields[0];
      let own = false;
      if (fields.length >= 4) {
        read.source += fields[1];
        read.line += fields[2];
        read.column += fields[3];
        if (fields.length === 5) read.name += fields[4];
        own = kept[read.source];
      }
      if (own) {
        let text = encodeValue(generatedRead - generatedWritten);
        text += encodeValue(newIndex[read.source] - written.source);
        text += encodeValue(read.line - written.line);
        text += encodeValue(read.column - written.column);
        Object.assign(written, { source: newIndex[read.source], line: read.line });
        written.column = read.column;
        if (fields.length === 5) {
          text += encodeValue(read.name - written.name);
          written.name = read.name;
        }
        out.push(text);
        generatedWritten = generatedRead;
        inOwn = true;
      } else if (inOwn !== false) {
        out.push(encodeValue(generatedRead - generatedWritten));
        generatedWritten = generatedRead;
        inOwn = false;
      }
    }
    lines.push(out.join(","));
  }
  return { ...map, sources, mappings: lines.join(";") };
}

/** Rewrites the map file at `file` to the sources outside node_modules. */
export async function narrowSourceMapFile(file) {
  const map = JSON.parse(await readFile(file, "utf8"));
  const narrowed = narrowSourceMap(map, (source) => !source.includes("node_modules/"));
  await writeFile(file, JSON.stringify(narrowed));
}
