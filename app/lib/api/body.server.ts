import type * as z from "zod";
import { BodyTooLargeError, readLimitedBytes } from "../http/body-limit";

export const MAX_BODY_BYTES = 64 * 1024;

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

const tooLarge = (max: number) => new BodyError(413, `The request body is larger than ${max / 1024} KB.`);

/** The body's bytes up to the cap, whatever Content-Length says; past it a 413 BodyError. */
export async function readBodyBytes(request: Request, max = MAX_BODY_BYTES): Promise<Uint8Array<ArrayBuffer>> {
  if (Number(request.headers.get("Content-Length") ?? "0") > max) throw tooLarge(max);
  try {
    return await readLimitedBytes(request, max);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw tooLarge(max);
    throw error;
  }
}

/** Reads the body up to the cap (without trusting Content-Length), then parses it as JSON. */
export async function readJsonBody(request: Request, max = MAX_BODY_BYTES): Promise<unknown> {
  if (Number(request.headers.get("Content-Length") ?? "0") > max) throw tooLarge(max);
  if (!request.body) return undefined;
  const type = request.headers.get("Content-Type");
  if (type && !/^application\/([\w.+-]+\+)?json\b/i.test(type.trim())) throw new BodyError(415, "Send the body as application/json.");
  const bytes = await readBodyBytes(request, max);
  const size = bytes.byteLength;
  if (size === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new BodyError(400, "The request body is not valid UTF-8.");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError(400, "The request body is not valid JSON.");
  }
}

/** zod issues → `errors` of a problem: field path → messages. */
export function fieldErrors(error: z.ZodError, root = "body"): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.map(String).join(".") : root;
    (out[key] ??= []).push(issue.message);
  }
  return out;
}
