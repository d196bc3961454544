/**
 * What the Email Forwarding configure screen calls: read the address and settings, save settings
 * (zod-validated, field errors on failure), enable / disable, and "Send test email" (through
 * the very same receiveEmail pipeline as a real inbound email).
 */
import { and, desc, eq } from "drizzle-orm";
import { auditInsert, userActor } from "../../audit.server";
import type { Db } from "../../db/client";
import { connections, conversations, messages } from "../../db/schema";
import { type Env, type EventsMessage, inboundEmailDomain } from "../../env";
import { newId } from "../../ids";
import { forwardingAddress } from "./address";
import { EMAIL_FORWARDING_PROVIDER, findCompanyById, findForwardingConnection } from "./connection.server";
import { buildTextEmail, newMessageId, textEmailHeaders } from "./mime";
import { MAX_EMAIL_BYTES, type ReceiveOutcome, receiveEmail } from "./receive.server";
import {
  defaultEmailForwardingSettings,
  type EmailForwardingSettings,
  parseEmailForwardingForm,
  type SettingsFieldErrors,
} from "./settings";

export type Actor = { id: string; email: string; name: string };
type Base = { db: Db; companyId: string; env: Env };

export class CompanyNotFoundError extends Error {}

export async function getEmailForwarding({ db, companyId, env }: Base) {
  // asked together: one D1 round trip when db coalesces (a page's loader, ADR 0045)
  const [company, connection, last] = await Promise.all([
    findCompanyById({ db, companyId }),
    findForwardingConnection({ db, companyId }),
    lastEmailReceived({ db, companyId }),
  ]);
  if (!company) throw new CompanyNotFoundError("Unknown company");
  return {
    address: forwardingAddress(company.slug, inboundEmailDomain(env)),
    connected: Boolean(connection),
    enabled: Boolean(connection && connection.row.status === "connected" && connection.settings.enabled),
    settings: connection?.settings ?? { ...defaultEmailForwardingSettings, enabled: false },
    lastReceived: last ?? null,
    lastRefusal: connection?.row.lastError ? { reason: connection.row.lastError, at: connection.row.lastErrorAt } : null,
    sizeLimitBytes: MAX_EMAIL_BYTES,
  };
}

/** The newest email that became a message: when, from whom, which conversation. */
export async function lastEmailReceived({ db, companyId }: { db: Db; companyId: string }) {
  const row = await db
    .select({
      at: messages.createdAt,
      authorName: messages.authorName,
      conversationId: messages.conversationId,
      contactEmail: conversations.contactEmail,
      subject: conversations.subject,
    })
    .from(messages)
    .innerJoin(conversations, and(eq(conversations.id, messages.conversationId), eq(conversations.companyId, companyId)))
    .where(and(eq(messages.companyId, companyId), eq(messages.source, "email"), eq(messages.direction, "inbound")))
    .orderBy(desc(messages.id))
    .limit(1)
    .get();
  return row
    ? { at: row.at, from: row.contactEmail, fromName: row.authorName, subject: row.subject, conversationId: row.conversationId }
    : null;
}

async function writeSettings(
  base: Base & { actor: Actor; ip?: string | null; now: Date },
  settings: EmailForwardingSettings,
  action: string,
) {
  const { db, companyId, env, actor, now } = base;
  const company = await findCompanyById({ db, companyId });
  if (!company) throw new CompanyNotFoundError("Unknown company");
  const existing = await findForwardingConnection({ db, companyId });
  const id = existing?.row.id ?? newId("conn", now);
  const address = forwardingAddress(company.slug, inboundEmailDomain(env));
  await db.batch([
    db
      .insert(connections)
      .values({
        id,
        companyId,
        provider: EMAIL_FORWARDING_PROVIDER,
        status: "connected",
        accountLabel: address,
        connectedBy: actor.id,
        connectedByEmail: actor.email,
        connectedAt: now,
        config: settings,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [connections.companyId, connections.provider],
        set: { config: settings, status: "connected", accountLabel: address, updatedAt: now },
      }),
    auditInsert(db, {
      companyId,
      actor: userActor(actor),
      action,
      target: id,
      details: { provider: EMAIL_FORWARDING_PROVIDER, ...settings },
      ip: base.ip ?? null,
      at: now,
    }),
  ]);
  return { connectionId: id, settings };
}

/** Saves the configure form. Bad input → field errors and nothing written. */
export async function saveEmailForwardingSettings(
  base: Base & { actor: Actor; ip?: string | null; now?: Date; input: Record<string, unknown> },
): Promise<{ ok: true; settings: EmailForwardingSettings } | { ok: false; fieldErrors: SettingsFieldErrors }> {
  const parsed = parseEmailForwardingForm(base.input);
  if (!parsed.ok) return parsed;
  await writeSettings({ ...base, now: base.now ?? new Date() }, parsed.settings, "email_forwarding.settings_updated");
  return { ok: true, settings: parsed.settings };
}

/** Turns the address on (creating the connection if needed); other settings are kept. */
export async function enableEmailForwarding(base: Base & { actor: Actor; ip?: string | null; now?: Date }) {
  const current = await findForwardingConnection(base);
  return writeSettings(
    { ...base, now: base.now ?? new Date() },
    { ...(current?.settings ?? defaultEmailForwardingSettings), enabled: true },
    "email_forwarding.enabled",
  );
}

/** Turns the address off: emails to it are refused; settings and conversations are kept. */
export async function disableEmailForwarding(base: Base & { actor: Actor; ip?: string | null; now?: Date }) {
  const current = await findForwardingConnection(base);
  if (!current) return null;
  return writeSettings({ ...base, now: base.now ?? new Date() }, { ...current.settings, enabled: false }, "email_forwarding.disabled");
}

export type TestEmailResult = ReceiveOutcome & { address: string; acknowledgementPreview: boolean };

/**
 * "Send test email": a real MIME message from the admin to the company address, handed to
 * receiveEmail like an email arriving from Cloudflare. It creates a real conversation (or is
 * refused for the same reasons a real email would be). An acknowledgement is built but not sent.
 */
export async function sendTestEmail(base: Base & { actor: Actor; queue?: Queue<EventsMessage>; now?: Date }): Promise<TestEmailResult> {
  const { db, companyId, env, actor } = base;
  const now = base.now ?? new Date();
  const company = await findCompanyById({ db, companyId });
  if (!company) throw new CompanyNotFoundError("Unknown company");
  const address = forwardingAddress(company.slug, inboundEmailDomain(env));
  const senderDomain = actor.email.slice(actor.email.lastIndexOf("@") + 1);
  const mail = {
    from: { name: actor.name, address: actor.email },
    to: { name: `${company.name} Support`, address },
    subject: "Test email from Email Forwarding",
    text: `This is a test email sent by ${actor.name} from the Integrations page at ${now.toISOString()}.\n\nIf you can read this as a conversation, forwarding to ${address} works.`,
    messageId: newMessageId(senderDomain, "test"),
    date: now,
  };
  const raw = new TextEncoder().encode(buildTextEmail(mail));
  let acknowledgementPreview = false;
  const outcome = await receiveEmail(
    { db, env, now: () => now, queue: base.queue ?? env.EVENTS },
    {
      from: actor.email,
      to: address,
      raw: raw.buffer,
      headers: new Headers(textEmailHeaders(mail)),
      size: raw.byteLength,
      setReject: () => {}, // the reason is in the outcome
      // the app wrote this message for the signed-in admin: no MTA verdict exists, none is needed
      verifiedSender: actor.email,
      reply: async () => {
        acknowledgementPreview = true;
      },
    },
  );
  // The acknowledgement is built (proving it would go out) but a test never emails anyone.
  return outcome.status === "created" || outcome.status === "appended"
    ? { ...outcome, acknowledged: false, address, acknowledgementPreview }
    : { ...outcome, address, acknowledgementPreview };
}
