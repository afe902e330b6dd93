// Keeps credentials out of log lines: access tokens in URLs (`?access_token=`, which browsers need
// for WebSockets), bearer tokens and Authorization headers, whatever field or message holds them.
// It runs on each finished JSON line, so no logging call site has to remember it.

const REDACTED = "[redacted]";
/** Cheap test first: most lines mention none of these, and then nothing else runs. */
const MAY_HOLD_SECRET = /access_token|authorization|bearer/i;
const RULES: ReadonlyArray<[RegExp, string]> = [
  // a URL's query value, raw or percent-encoded key, up to the next separator or the string's end
  [/((?:access_token|access%5Ftoken)=)[^&#\s"\\]*/gi, `$1${REDACTED}`],
  // a JSON field holding a token or the header itself, e.g. {"authorization":"Basic …"}
  [/("(?:access_token|authorization)"\s*:\s*")(?:[^"\\]|\\.)*"/gi, `$1${REDACTED}"`],
  // a bearer credential anywhere else (an error message quoting the header)
  [/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${REDACTED}`],
];

/** The line with every credential replaced by `[redacted]`. */
export function redactSecrets(line: string): string {
  if (!MAY_HOLD_SECRET.test(line)) return line;
  let out = line;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}
