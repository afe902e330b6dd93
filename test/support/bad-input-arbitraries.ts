// fast-check arbitraries of input that an operation of the OpenAPI document must refuse: for one
// part of a request (a path parameter, a query parameter, the body, the Idempotency-Key, the bearer
// token) a value its schema rules out — wrong types, missing and extra fields, huge strings, odd
// unicode, forged cursors, impossible or out-of-range dates — with every other part left plausible.
import { randomUUID } from "node:crypto";
import fc from "fast-check";

/** The OpenAPI document as far as the fuzzing reads it. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  items?: Schema;
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema: Schema;
}

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  parameters: Parameter[];
  body: { required: boolean; contentType: string; schema: Schema } | undefined;
  /** A bearer token is required (no anonymous alternative). */
  signedIn: boolean;
  /** The token is optional (public, more for a manager) or absent. */
  anonymous: boolean;
}

/** One request: what it sends, and which part was made bad. */
export interface BadRequest {
  target: string;
  method: string;
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

/** Plausible values for what a case leaves alone (ids of rows that exist, or not). */
export interface Plausible {
  uuids: string[];
  /** Valid bearer tokens (an admin's reaches past every role check; others meet them). */
  tokens: string[];
  /** A valid body per operationId: a case breaks one field of it and leaves the rest valid. */
  bodies: Record<string, () => Record<string, unknown>>;
  /** Valid query parameters per operationId, likewise. */
  queries: Record<string, () => Record<string, string>>;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** Every operation of the document, with $refs of bodies resolved. */
export function operationsOf(document: any): Operation[] {
  const resolve = (schema: Schema | undefined): Schema => {
    if (!schema?.$ref) return schema ?? {};
    const name = schema.$ref.replace("#/components/schemas/", "");
    return resolve(document.components.schemas[name]);
  };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<any>(document.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const security: Record<string, string[]>[] = op.security ?? document.security ?? [];
      const anonymous = security.length === 0 || security.some((s) => Object.keys(s).length === 0);
      const content = op.requestBody?.content as Record<string, { schema: Schema }> | undefined;
      const [contentType, media] = content ? Object.entries(content)[0]! : [];
      operations.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        parameters: [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: Parameter) => ({
          ...p,
          schema: resolve(p.schema),
        })),
        body:
          contentType && media
            ? {
                required: op.requestBody.required === true,
                contentType,
                schema: resolveDeep(resolve(media.schema), resolve),
              }
            : undefined,
        signedIn: !anonymous,
        anonymous,
      });
    }
  }
  return operations;
}

function resolveDeep(schema: Schema, resolve: (s: Schema | undefined) => Schema): Schema {
  const properties = schema.properties
    ? Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, resolve(v)]))
    : undefined;
  return { ...schema, ...(properties ? { properties } : {}) };
}

// Values no schema of this API takes for what they stand in.
const oddUnicode = fc.constantFrom(
  "\u0000",
  "nul\u0000byte",
  "\ud800",
  "\udfff\ud800",
  "\u202eevil\u202c",
  "\u200b\u200d\ufeff",
  "𝕏𝕐ℤ",
  "👩‍👩‍👧‍👦".repeat(20),
  "ᚠᛇᚻ᛫ᛒᛦᚦ",
  "e\u0301\u0301\u0301\u0301",
  "%00",
  "../../etc/passwd",
  "' or 1=1 --",
  "<script>alert(1)</script>",
);
const hugeString = fc.constantFrom(10_000, 100_000).chain((n) => fc.constant("x".repeat(n)));
const nulText = fc.constantFrom("\u0000", "a\u0000b", "Ana\u0000");
const junkString = fc.oneof(oddUnicode, hugeString, fc.string({ maxLength: 40 }), fc.constant(""));

/** Dates that are not instants, or instants no route takes. */
const badDates = fc.constantFrom(
  "2024-13-99T99:99:99.000000Z",
  "2024-02-30T10:00:00Z",
  "2024-01-01T24:00:00Z",
  "0000-00-00T00:00:00Z",
  "+275760-09-13T00:00:00.000Z",
  "-271821-04-20T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "2024-01-01",
  "yesterday",
  "1e308",
  "",
);

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
/** Cursors no list or search gave out. */
const badCursors = fc.oneof(
  fc.constantFrom(
    base64url(["2024-13-99T99:99:99.000000Z", randomUUID()]),
    base64url(["2024-02-30T10:00:00.000000Z", randomUUID()]),
    base64url(["2024-01-01T10:00:00.000000Z", "not-a-uuid"]),
    base64url([]),
    base64url({ v: 1, q: "x", p: 1e20, d: -1, id: "x" }),
    base64url({ v: 1, q: "x", p: null, d: 1e300, id: randomUUID() }),
    "bm90LWEtY3Vyc29y",
    "%%%",
    "!!",
  ),
  fc.base64String({ minLength: 4, maxLength: 80 }).map((s) => s.replace(/=+$/, "")),
);

const wrongJsonType = (types: string[]) => {
  const all: [string, fc.Arbitrary<unknown>][] = [
    ["string", junkString],
    ["number", fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(1e308))],
    ["integer", fc.constantFrom(1.5, -1, 2 ** 53 + 1)],
    ["boolean", fc.boolean()],
    ["null", fc.constant(null)],
    ["array", fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 3 })],
    ["object", fc.dictionary(fc.string({ maxLength: 8 }), fc.anything({ maxDepth: 1 }), { maxKeys: 3 })],
  ];
  // An integer is a number, a number may be an integer: neither stands in for the other.
  const taken = new Set(
    types.flatMap((t) => (t === "number" || t === "integer" ? ["number", "integer"] : [t])),
  );
  return fc.oneof(...all.filter(([t]) => !taken.has(t)).map(([, arb]) => arb));
};

const typesOf = (schema: Schema): string[] | undefined =>
  schema.type === undefined ? undefined : [schema.type].flat();

/** A value the schema refuses, or undefined when this fuzzing cannot be sure of one. */
export function violating(schema: Schema, name = ""): fc.Arbitrary<unknown> | undefined {
  const types = typesOf(schema);
  if (!types) return undefined;
  const options: fc.Arbitrary<unknown>[] = [wrongJsonType(types)];
  // PostgreSQL text cannot hold NUL: no text field may take it.
  if (types.includes("string")) options.push(nulText);
  if (types.length === 1 && types[0] === "string") {
    if (schema.enum) {
      const allowed = new Set(schema.enum);
      options.push(junkString.filter((s) => !allowed.has(s)));
    }
    if (schema.format === "uuid")
      options.push(
        junkString,
        fc.uuid().map((u) => `${u}x`),
      );
    if (schema.format === "email") options.push(junkString.filter((s) => !s.includes("@")));
    if (schema.format === "date-time") options.push(badDates);
    if (schema.maxLength !== undefined && schema.maxLength < 100_000) {
      options.push(fc.constant("y".repeat(schema.maxLength + 1)));
    }
    if (schema.minLength !== undefined && schema.minLength > 0) {
      options.push(fc.constant("z".repeat(schema.minLength - 1)));
    }
    if (name === "cursor") options.push(badCursors);
  }
  return fc.oneof(...options);
}

/** A query-string value its parameter refuses (query values are text: a wrong JSON type is no use). */
function violatingQueryValue(param: Parameter): fc.Arbitrary<string> | undefined {
  const schema = param.schema;
  const [type, ...others] = typesOf(schema) ?? [];
  if (type === undefined || others.length > 0) return undefined;
  if (param.name === "cursor") return badCursors;
  if (type === "integer" || type === "number" || schema.pattern === "^-?\\d+(\\.\\d+)?$") {
    // Numbers as text: not numbers, or numbers far outside every range this API takes.
    return fc.oneof(
      fc.constantFrom("abc", "1e999", "NaN", "Infinity", "--1", "1.2.3", "١٢٣"),
      fc.constantFrom("99999999999999999999", "-99999999999999999999", "1e300"),
      oddUnicode,
    );
  }
  if (type !== "string") return undefined;
  const options: fc.Arbitrary<string>[] = [nulText];
  if (schema.enum) {
    const allowed = new Set(schema.enum);
    options.push(junkString.filter((s) => !allowed.has(s)));
  }
  if (schema.format === "uuid") options.push(junkString.filter((s) => s.length > 0));
  if (schema.format === "date-time") options.push(badDates);
  if (schema.maxLength !== undefined) options.push(fc.constant("q".repeat(schema.maxLength + 1)));
  if (schema.minLength !== undefined && schema.minLength > 0) {
    options.push(fc.constant("q".repeat(schema.minLength - 1)));
  }
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

/** A path segment its parameter refuses. */
function violatingPathValue(param: Parameter): fc.Arbitrary<string> | undefined {
  const schema = param.schema;
  if (schema.format === "uuid") {
    return fc.oneof(
      junkString.filter((s) => s.length > 0),
      fc.constantFrom("00000000-0000-0000-0000-00000000000g", "1", "null", "undefined", "-1", "%2F"),
      fc.uuid().map((u) => `${u}0`),
    );
  }
  if (schema.format === "email") return junkString.filter((s) => s.length > 0 && !s.includes("@"));
  return undefined;
}

/** Bodies the operation refuses. */
function violatingBody(
  body: NonNullable<Operation["body"]>,
): fc.Arbitrary<{ contentType: string; body: string | Uint8Array }> | undefined {
  const json = (value: unknown, contentType = "application/json") => ({
    contentType,
    body: JSON.stringify(value),
  });
  if (body.contentType !== "application/json") {
    // An upload: no parts, no boundary, JSON instead of a form, or a part that is no image.
    const form = (name: string, type: string, bytes: string) => {
      const boundary = "----fuzz";
      return {
        contentType: `multipart/form-data; boundary=${boundary}`,
        body: `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="a"\r\nContent-Type: ${type}\r\n\r\n${bytes}\r\n--${boundary}--\r\n`,
      };
    };
    return fc.oneof(
      fc.constant({ contentType: "multipart/form-data", body: "no boundary" }),
      fc.constant({ contentType: "multipart/form-data; boundary=x", body: "--x\r\nbroken" }),
      fc.constant(json({ file: "not a file" })),
      fc.constant(form("file", "text/plain", "hello")),
      fc.constant(form("other", "image/png", "\x89PNG")),
      fc.constant(form("file", "image/png", "not really a png")),
    );
  }
  const schema = body.schema;
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const options: fc.Arbitrary<{ contentType: string; body: string | Uint8Array }>[] = [
    // Not JSON at all, or JSON of another type than an object.
    fc.constantFrom('{"a":', "{", "nul", "\u0000", "[1,2", "'single'").map((raw) => ({
      contentType: "application/json",
      body: raw,
    })),
    fc
      .oneof(
        fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 3 }),
        fc.integer(),
        fc.string(),
        fc.constant(null),
      )
      .map((v) => json(v)),
    // Bigger than any body limit.
    fc.constant(json({ blob: "x".repeat(11 * 1024 * 1024) })),
  ];
  // Required fields missing.
  if (required.size > 0) {
    options.push(
      fc
        .subarray(properties.filter(([k]) => !required.has(k)).map(([k]) => k))
        .map((keys) => json(Object.fromEntries(keys.map((k) => [k, "x"])))),
    );
  }
  // One field of a wrong type or out of its rules (the others absent or plausible junk).
  for (const [key, property] of properties) {
    const bad = violating(property, key);
    if (bad) options.push(bad.map((value) => json({ [key]: value })));
  }
  // Fields the schema does not have.
  if (schema.additionalProperties === false || required.size > 0) {
    options.push(
      fc
        .dictionary(
          fc.oneof(oddUnicode, fc.constantFrom("isAdmin", "roles", "hostId", "__proto__", "constructor")),
          fc.anything({ maxDepth: 1 }),
          { minKeys: 1, maxKeys: 3 },
        )
        .map((extra) => json(extra))
        // Judged on what is sent: JSON drops undefined values, and a key the schema has is no extra.
        .filter(({ body }) =>
          Object.keys(JSON.parse(body) as object).some((k) => !Object.hasOwn(schema.properties ?? {}, k)),
        ),
    );
  }
  return fc.oneof(...options);
}

const badTokens = fc.oneof(
  fc.constantFrom("", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer x.y.z", "bearer null"),
  fc.string({ minLength: 1, maxLength: 50 }).map((s) => `Bearer ${Buffer.from(s).toString("base64url")}`),
  // A token signed with another secret: right shape, wrong signature.
  fc.constant(
    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAiLCJyb2xlcyI6WyJhZG1pbiJdfQ.c2lnbmF0dXJl",
  ),
);

const badIdempotencyKeys = fc.constantFrom("", " ", "with space", "é".repeat(3), "k".repeat(256), "tab\tkey");

/** The ways this operation's input can be made bad, by target; empty when none is known. */
export function badRequests(op: Operation, plausible: Plausible): Map<string, fc.Arbitrary<BadRequest>> {
  const pathParams = op.parameters.filter((p) => p.in === "path");
  const queryParams = op.parameters.filter((p) => p.in === "query");
  const mutating = op.method !== "GET";
  const plausiblePath = fc.tuple(
    fc.constantFrom(...plausible.tokens),
    ...pathParams.map((p) =>
      p.schema.format === "email"
        ? fc.constant("nobody@fuzz.test.parkealo.live")
        : fc.oneof(fc.constantFrom(...plausible.uuids), fc.uuid()),
    ),
  );
  /** The path with its parameters, and the token, from a plausiblePath draw. */
  const fill = ([token, ...values]: readonly string[], replace: Record<string, string> = {}) => {
    let path = op.path;
    pathParams.forEach((p, i) => {
      path = path.replace(`{${p.name}}`, encodeSegment(replace[p.name] ?? values[i]!));
    });
    return { path, token: token! };
  };
  const request = (
    target: string,
    { path, token }: { path: string; token: string },
    parts: Partial<Omit<BadRequest, "target" | "method" | "path">> & { contentType?: string } = {},
  ): BadRequest => {
    const headers: Record<string, string> = { ...(parts.headers ?? {}) };
    if (op.signedIn && headers.authorization === undefined) headers.authorization = `Bearer ${token}`;
    if (parts.contentType) headers["content-type"] = parts.contentType;
    return { target, method: op.method, path, query: parts.query ?? [], headers, body: parts.body };
  };

  const cases = new Map<string, fc.Arbitrary<BadRequest>>();
  for (const param of pathParams) {
    const bad = violatingPathValue(param);
    if (bad) {
      cases.set(
        `path ${param.name}`,
        fc
          .tuple(plausiblePath, bad)
          .map(([values, value]) => request(`path ${param.name}`, fill(values, { [param.name]: value }))),
      );
    }
  }
  for (const param of queryParams) {
    const bad = violatingQueryValue(param);
    if (bad) {
      cases.set(
        `query ${param.name}`,
        fc
          .tuple(plausiblePath, bad)
          .map(([values, value]) =>
            request(`query ${param.name}`, fill(values), { query: [[param.name, value]] }),
          ),
      );
    }
  }
  if (op.body) {
    const bad = violatingBody(op.body);
    if (bad) {
      cases.set(
        "body",
        fc
          .tuple(plausiblePath, bad)
          .map(([values, { contentType, body }]) => request("body", fill(values), { contentType, body })),
      );
    }
  }
  const validBody = plausible.bodies[op.operationId];
  if (op.body && validBody) {
    for (const [key, property] of Object.entries(op.body.schema.properties ?? {})) {
      const bad = violating(property, key);
      if (!bad) continue;
      cases.set(
        `body field ${key}`,
        fc.tuple(plausiblePath, bad).map(([values, value]) =>
          request(`body field ${key}`, fill(values), {
            contentType: "application/json",
            body: JSON.stringify({ ...validBody(), [key]: value }),
          }),
        ),
      );
    }
    // One level down: a field of a nested object (an address, a price) broken, the rest valid.
    for (const [key, property] of Object.entries(op.body.schema.properties ?? {})) {
      for (const [inner, innerSchema] of Object.entries(property.properties ?? {})) {
        const bad = violating(innerSchema, inner);
        const sample = validBody()[key];
        if (!bad || typeof sample !== "object" || sample === null || Array.isArray(sample)) continue;
        cases.set(
          `body field ${key}.${inner}`,
          fc.tuple(plausiblePath, bad).map(([values, value]) => {
            const base = validBody();
            return request(`body field ${key}.${inner}`, fill(values), {
              contentType: "application/json",
              body: JSON.stringify({ ...base, [key]: { ...(base[key] as object), [inner]: value } }),
            });
          }),
        );
      }
    }
    if (op.body.schema.additionalProperties === false) {
      cases.set(
        "body extra field",
        fc
          .tuple(plausiblePath, fc.constantFrom("isAdmin", "roles", "hostId", "status", "id", "x\u0000"))
          .map(([values, extra]) =>
            request("body extra field", fill(values), {
              contentType: "application/json",
              body: JSON.stringify({ ...validBody(), [extra]: true }),
            }),
          ),
      );
    }
  }
  const validQuery = plausible.queries[op.operationId];
  if (validQuery) {
    for (const param of queryParams) {
      const bad = violatingQueryValue(param);
      if (!bad) continue;
      cases.set(
        `query ${param.name} (others valid)`,
        fc.tuple(plausiblePath, bad).map(([values, value]) =>
          request(`query ${param.name} (others valid)`, fill(values), {
            query: Object.entries({ ...validQuery(), [param.name]: value }),
          }),
        ),
      );
    }
  }
  if (mutating) {
    cases.set(
      "Idempotency-Key",
      fc
        .tuple(plausiblePath, badIdempotencyKeys)
        .map(([values, key]) =>
          request("Idempotency-Key", fill(values), { headers: { "idempotency-key": key } }),
        ),
    );
  }
  if (op.signedIn) {
    cases.set(
      "bearer token",
      fc
        .tuple(plausiblePath, badTokens)
        .map(([values, authorization]) =>
          request("bearer token", fill(values), { headers: { authorization } }),
        ),
    );
  }
  return cases;
}

/** Percent-encodes a path segment byte by byte (lone surrogates included, as UTF-8 of U+FFFD). */
function encodeSegment(value: string): string {
  return [...Buffer.from(value, "utf8")]
    .map((byte) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, "0").toUpperCase()}`,
    )
    .join("");
}
