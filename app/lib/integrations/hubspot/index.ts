/** Placeholder until the hubspot adapter lands (issue 12, providers part): connect and show the account only. */
import { connectOnlyAdapter } from "../connect-only";

export const hubspotAdapter = connectOnlyAdapter("hubspot");
