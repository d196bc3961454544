/**
 * Reads a request body up to `max` bytes as it streams in, whatever Content-Length says (a
 * chunked body declares none): the read stops at the first chunk past the cap, so an oversized
 * body is never buffered whole.
 */
export class BodyTooLargeError extends Error {
  constructor(readonly max: number) {
    super(`body larger than ${max} bytes`);
  }
}

export async function readLimitedBytes(request: Request, max: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (Number.isFinite(declared) && declared > max) throw new BodyTooLargeError(max);
  if (!request.body) return new Uint8Array(new ArrayBuffer(0));
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new BodyTooLargeError(max);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(new ArrayBuffer(size));
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return bytes;
}

export async function readLimitedText(request: Request, max: number): Promise<string> {
  return new TextDecoder().decode(await readLimitedBytes(request, max));
}
