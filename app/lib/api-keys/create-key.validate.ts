import { parseWithZod } from "@conform-to/zod/v4";
import { CreateKeySchema } from "./forms";

/** The Create-a-key form's browser-side check: the action's own schema, in a chunk the page loads after it is interactive (ADR 0169). */
export const validateCreateKey = (formData: FormData) => parseWithZod(formData, { schema: CreateKeySchema });
