/** Placeholder until the zendesk adapter lands (issue 12, providers part): connect and show the account only. */
import { connectOnlyAdapter } from "../connect-only";

export const zendeskAdapter = connectOnlyAdapter("zendesk");
