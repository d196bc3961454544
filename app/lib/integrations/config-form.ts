/**
 * A generic Configure form from a provider's zod settings schema: booleans become checkboxes,
 * enums selects, strings and numbers text inputs. Used by the server (parse) and the browser (render).
 */
import * as z from "zod";

export type ConfigField = {
  name: string;
  kind: "boolean" | "enum" | "text" | "number";
  title: string;
  description: string | null;
  options: string[];
  defaultValue?: unknown;
};

type AnyDef = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  entries?: Record<string, string>;
  defaultValue?: unknown;
};

function unwrap(field: z.ZodType): { base: z.ZodType; defaultValue: unknown } {
  let current = field;
  let defaultValue: unknown;
  for (let i = 0; i < 10; i++) {
    const def = (current as unknown as { _zod: { def: AnyDef } })._zod.def;
    if (def.type === "default") {
      defaultValue = typeof def.defaultValue === "function" ? (def.defaultValue as () => unknown)() : def.defaultValue;
      current = def.innerType!;
    } else if (def.type === "optional" || def.type === "nullable") current = def.innerType!;
    else if (def.type === "pipe") current = def.out!;
    else break;
  }
  return { base: current, defaultValue };
}

export function describeConfigFields(schema: z.ZodObject<z.ZodRawShape>): ConfigField[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const meta = (field as z.ZodType).meta() as { title?: string; description?: string } | undefined;
    const { base, defaultValue } = unwrap(field as z.ZodType);
    const def = (base as unknown as { _zod: { def: AnyDef } })._zod.def;
    const kind = def.type === "boolean" ? "boolean" : def.type === "enum" ? "enum" : def.type === "number" ? "number" : "text";
    return {
      name,
      kind,
      title: meta?.title ?? name,
      description: meta?.description ?? null,
      options: def.entries ? Object.values(def.entries) : [],
      defaultValue,
    };
  });
}

/** The form-side schema: an unchecked checkbox is absent from the form, which means false. */
export function configFormSchema(schema: z.ZodObject<z.ZodRawShape>) {
  const shape: Record<string, z.ZodType> = {};
  for (const field of describeConfigFields(schema)) {
    const original = schema.shape[field.name] as z.ZodType;
    shape[field.name] = field.kind === "boolean" ? z.preprocess((v) => v === true || v === "on" || v === "true", z.boolean()) : original;
  }
  return z.object(shape);
}

/** Stored config merged over the schema defaults (for first render). */
export function configWithDefaults(schema: z.ZodObject<z.ZodRawShape>, stored: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of describeConfigFields(schema)) out[f.name] = stored[f.name] ?? f.defaultValue;
  return out;
}
