import { randomToken } from "../security/crypto";

/**
 * The one-time reveal of a new key's secret: a KV entry under a random id, bound to the company
 * and user, that lives at most a minute and is deleted on first read. The secret never reaches
 * D1, the audit log or a log line, and a reload of the page cannot show it again.
 */
const PREFIX = "key-reveal:";
const TTL_SECONDS = 60; // KV's minimum

type Reveal = { companyId: string; userId: string; keyId: string; secret: string };

export async function stashReveal(kv: KVNamespace, reveal: Reveal): Promise<string> {
  const id = randomToken(18);
  await kv.put(PREFIX + id, JSON.stringify(reveal), { expirationTtl: TTL_SECONDS });
  return id;
}

export async function takeReveal(kv: KVNamespace, id: string | null, owner: { companyId: string; userId: string }) {
  if (!id || !/^[A-Za-z0-9_-]{10,64}$/.test(id)) return null;
  const raw = await kv.get(PREFIX + id);
  if (!raw) return null;
  await kv.delete(PREFIX + id);
  let reveal: Reveal;
  try {
    reveal = JSON.parse(raw) as Reveal;
  } catch {
    return null;
  }
  if (reveal.companyId !== owner.companyId || reveal.userId !== owner.userId) return null;
  return { keyId: reveal.keyId, secret: reveal.secret };
}
