/** Placeholder until the freshdesk adapter lands (issue 12, providers part): connect and show the account only. */
import { connectOnlyAdapter } from "../connect-only";

export const freshdeskAdapter = connectOnlyAdapter("freshdesk");
