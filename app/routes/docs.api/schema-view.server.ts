/**
 * Turns the OpenAPI document's JSON Schemas into what a reader needs: one row per field with its
 * type in words (a named schema is a link), whether it is required, and its limits, never raw
 * JSON. zod's safe-integer bounds (±9007199254740991) say nothing to a reader and are left out.
 */
// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is untyped JSON walked by key; each reader checks what it finds.
type Json = Record<string, any>;

export type TypeLabel = { text: string; ref: string | null };
export type FieldRow = { name: string; required: boolean; type: TypeLabel; description: string; notes: string[] };

const REF_PREFIX = "#/components/schemas/";
const SAFE = Number.MAX_SAFE_INTEGER;

export function refName(schema: Json | undefined): string | null {
  const ref = schema?.$ref;
  return typeof ref === "string" && ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : null;
}

export function resolve(schema: Json | undefined, components: Json): Json {
  let s = schema ?? {};
  for (let i = 0; i < 10 && refName(s); i++) s = components[refName(s)!] ?? {};
  return s;
}

/** "string", "integer", "array of Message", "Conversation", "string or null". */
export function typeLabel(schema: Json | undefined, components: Json): TypeLabel {
  if (!schema) return { text: "any", ref: null };
  const name = refName(schema);
  if (name) return { text: name, ref: name };
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (variants) {
    const labels = variants.map((v) => typeLabel(v, components));
    const ref = labels.find((l) => l.ref)?.ref ?? null;
    return { text: [...new Set(labels.map((l) => l.text))].join(" or "), ref };
  }
  if (schema.type === "array") {
    const item = typeLabel(schema.items, components);
    return { text: `array of ${item.text}`, ref: item.ref };
  }
  if (Array.isArray(schema.type)) return { text: schema.type.join(" or "), ref: null };
  if (schema.const !== undefined) return { text: JSON.stringify(schema.const), ref: null };
  if (schema.enum) return { text: "string", ref: null };
  if (schema.type === "object" && schema.additionalProperties && !schema.properties) return { text: "object (any keys)", ref: null };
  return { text: String(schema.type ?? "any"), ref: null };
}

/** Limits and formats in words: "one of: open, closed", "1 to 100", "email", "at most 500 characters". */
export function constraintNotes(schema: Json | undefined, components: Json): string[] {
  const s = resolve(schema, components);
  const variants = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (variants) return variants.flatMap((v) => constraintNotes(v, components));
  const notes: string[] = [];
  if (s.enum) notes.push(`one of: ${(s.enum as unknown[]).map((v) => String(v)).join(", ")}`);
  if (s.format) notes.push(s.format === "date-time" ? "ISO 8601 date and time" : String(s.format));
  const min = typeof s.minimum === "number" && Math.abs(s.minimum) < SAFE ? s.minimum : null;
  const max = typeof s.maximum === "number" && Math.abs(s.maximum) < SAFE ? s.maximum : null;
  if (min !== null && max !== null) notes.push(`${min} to ${max}`);
  else if (min !== null) notes.push(`at least ${min}`);
  else if (max !== null) notes.push(`at most ${max}`);
  if (typeof s.minLength === "number" && s.minLength > 0 && typeof s.maxLength === "number")
    notes.push(`${s.minLength} to ${s.maxLength} characters`);
  else if (typeof s.maxLength === "number") notes.push(`at most ${s.maxLength} characters`);
  if (typeof s.maxItems === "number") notes.push(`at most ${s.maxItems} items`);
  if (s.default !== undefined) notes.push(`default ${JSON.stringify(s.default)}`);
  return notes;
}

/** The rows of an object schema (a $ref is followed); nested objects are written as dotted names. */
export function fieldRows(schema: Json | undefined, components: Json, prefix = ""): FieldRow[] {
  const s = resolve(schema, components);
  if (s.type !== "object" || !s.properties) return [];
  const required = new Set<string>(s.required ?? []);
  return Object.entries(s.properties as Json).flatMap(([name, prop]) => {
    const own: FieldRow = {
      name: prefix + name,
      required: required.has(name),
      type: typeLabel(prop, components),
      description: (prop.description as string | undefined) ?? "",
      notes: constraintNotes(prop, components),
    };
    // inline objects (not named schemas) are spelled out underneath
    const nested = !refName(prop) && prop.type === "object" && prop.properties ? fieldRows(prop, components, `${prefix}${name}.`) : [];
    return [own, ...nested];
  });
}
