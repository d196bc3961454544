import fc from "fast-check";
import * as z from "zod";

/** A value that, if echoed unescaped into HTML, would run: the fuzzers look for these verbatim. */
export const XSS_MARKERS = ["<script>fuzzmark()</script>", '"><img src=x onerror=fuzzmark()>', "<svg/onload=fuzzmark()>"];
export const UNESCAPED = /<script>fuzzmark|<img src=x onerror=fuzzmark|<svg\/onload=fuzzmark/;

/** Strings an attacker or a careless client sends. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    ...XSS_MARKERS,
    "'; DROP TABLE webhook_endpoints; --",
    '" OR 1=1 --',
    "%' UNION SELECT * FROM api_keys --",
    "\u0000",
    "a\u0000b",
    "\u202e\ud83d\ude00\u0301",
    "\ud800",
    "x".repeat(20_000),
    `https://hooks.example.com/${"a".repeat(3000)}`,
    "javascript:alert(1)",
    "https://169.254.169.254/latest/meta-data",
    "http://127.0.0.1:8787/",
    "https://user:pass@hooks.example.com/",
    "__proto__",
    "constructor",
    "-1",
    "1e309",
    "",
    " ",
  ),
);

/** Form field names worth adding to any form. */
export const hostileFieldName = fc.constantFrom(
  "__proto__",
  "constructor",
  "prototype",
  "__proto__[polluted]",
  "intent",
  "csrf",
  "redirectTo",
  "companyId",
  "company_id",
  "id",
);

/** JSON values of any shape, hostile strings at the leaves and `__proto__` keys in objects. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 3 },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), hostileFieldName), tie("value"), { maxKeys: 4 }),
  ),
})).value;

type JsonSchema = {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  format?: string;
};

/**
 * Bodies shaped like a route's zod schema (so the fuzzer reaches the handler behind validation),
 * each leaf replaced by something hostile part of the time, with stray keys mixed in.
 */
export function bodyFor(schema: z.ZodType | undefined): fc.Arbitrary<unknown> {
  if (!schema) return hostileJson;
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  defs = json.$defs ?? {};
  return fc.oneof({ weight: 3, arbitrary: fromJsonSchema(json, 0) }, { weight: 1, arbitrary: hostileJson });
}

let defs: Record<string, JsonSchema> = {};

function plausible(s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (s.$ref) return plausible(defs[s.$ref.replace("#/$defs/", "")] ?? {}, depth);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const variants = s.anyOf ?? s.oneOf;
  if (variants?.length) return fc.oneof(...variants.map((v) => fromJsonSchema(v, depth)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case "object": {
      const props = Object.entries(s.properties ?? {}).map(
        ([k, v]) =>
          [k, /url$/i.test(k) ? fromJsonSchema({ type: "string", format: "uri" }, depth + 1) : fromJsonSchema(v, depth + 1)] as const,
      );
      const known = fc.record(Object.fromEntries(props), { requiredKeys: (s.required ?? []).filter((k) => k in (s.properties ?? {})) });
      const extra = fc.oneof(
        { weight: 3, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: fc.dictionary(hostileFieldName, hostileJson, { maxKeys: 2 }) },
      );
      return fc.tuple(known, extra).map(([a, b]) => Object.assign(JSON.parse(JSON.stringify(b)) as object, a));
    }
    case "array":
      return fc.array(s.items ? fromJsonSchema(s.items, depth + 1) : hostileJson, { maxLength: 4 });
    case "string":
      if (s.format === "email") return fc.constantFrom("pat@example.com", "a@b.co");
      if (s.format === "uri") return fc.constantFrom("https://hooks.example.com/in", "https://example.org/x?y=1");
      if (s.format === "date-time")
        return fc
          .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2035-01-01T00:00:00Z"), noInvalidDate: true })
          .map((d) => d.toISOString());
      return fc.oneof(
        fc.string({ minLength: Math.max(1, s.minLength ?? 1), maxLength: Math.min(20, s.maxLength ?? 20) }),
        fc.constantFrom(...XSS_MARKERS),
      );
    case "integer":
    case "number":
      return fc.integer({ min: s.minimum ?? -5, max: Math.min(s.maximum ?? 200, 200) });
    case "boolean":
      return fc.boolean();
    default:
      return hostileJson;
  }
}

function fromJsonSchema(s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (depth > 4) return hostileJson;
  return fc.oneof({ weight: 8, arbitrary: plausible(s, depth) }, { weight: 1, arbitrary: hostileJson });
}

/** Replaces the values of a discovered form with hostile ones (sometimes several per field), adds stray fields. */
export function hostileForm(fields: [string, string][]): fc.Arbitrary<[string, string][]> {
  const perField = fields.map(([name, value]) => {
    const keep = name === "intent" || name === "keyId" || name === "deliveryId";
    const values = fc.oneof(
      { weight: keep ? 6 : 2, arbitrary: fc.constant([value]) },
      { weight: 3, arbitrary: hostileString.map((v) => [v]) },
      { weight: 1, arbitrary: fc.array(hostileString, { minLength: 2, maxLength: 3 }) },
      { weight: 1, arbitrary: fc.constant([] as string[]) },
    );
    return values.map((vs) => vs.map((v) => [name, v] as [string, string]));
  });
  const strays = fc.array(fc.tuple(fc.oneof(hostileFieldName, fc.string({ maxLength: 10 })), hostileString), { maxLength: 2 });
  return fc.tuple(fc.tuple(...perField), strays).map(([parts, extra]) => [...parts.flat(), ...extra]);
}
