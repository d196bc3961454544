// Demo data of architecture.md §6 as one idempotent SQL script (development only; production never runs it).
// Plain JS so both the Node seed script and the workerd tests use the very same statements.

export const DEMO = {
  acme: { id: "co_acme", name: "Acme Corporation", slug: "acme" },
  globex: { id: "co_globex", name: "Globex", slug: "globex" },
  users: [
    { id: "usr_john", companyId: "co_acme", email: "john@acme.com", name: "John Carter", role: "company_admin" },
    { id: "usr_sarah", companyId: "co_acme", email: "sarah@acme.com", name: "Sarah Lee", role: "agent" },
    { id: "usr_globex_admin", companyId: "co_globex", email: "admin@globex.com", name: "Hank Scorpio", role: "company_admin" },
  ],
};

export const API_KEY_PATTERN = /^sk_live_[A-Za-z0-9_-]{32,200}$/;

const q = (v) => (v === null || v === undefined ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replaceAll("'", "''")}'`);

/**
 * @param {{ passwordHashes: Record<string,string>, apiKey?: { id: string, hash: string, last4: string } | null, now: number }} input
 */
export function buildSeedSql({ passwordHashes, apiKey, now }) {
  const lines = [];
  for (const c of [DEMO.acme, DEMO.globex]) {
    lines.push(
      `INSERT INTO companies (id, name, slug, timezone, created_at) VALUES (${q(c.id)}, ${q(c.name)}, ${q(c.slug)}, 'UTC', ${now}) ON CONFLICT(id) DO UPDATE SET name = excluded.name;`,
    );
  }
  for (const u of DEMO.users) {
    lines.push(
      `INSERT INTO users (id, company_id, email, name, role, password_hash, created_at) VALUES (${q(u.id)}, ${q(u.companyId)}, ${q(u.email)}, ${q(u.name)}, ${q(u.role)}, ${q(passwordHashes[u.email])}, ${now}) ON CONFLICT(id) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role;`,
    );
  }
  if (apiKey) {
    // The default key for Acme, only if Acme has no live default key yet (or it is exactly this one).
    lines.push(
      `INSERT INTO api_keys (id, company_id, name, prefix, last4, hash, scopes, kind, created_by, created_at) SELECT ${q(apiKey.id)}, 'co_acme', 'Default key', 'sk_live_', ${q(apiKey.last4)}, ${q(apiKey.hash)}, '["conversations:read","conversations:write","webhooks:read","webhooks:write","hooks"]', 'default', 'usr_john', ${now} WHERE NOT EXISTS (SELECT 1 FROM api_keys WHERE hash = ${q(apiKey.hash)})${apiKey.onlyIfNone ? " AND NOT EXISTS (SELECT 1 FROM api_keys WHERE company_id = 'co_acme' AND revoked_at IS NULL)" : ""};`,
    );
  }
  return `${lines.join("\n")}\n`;
}
