/**
 * Plugs Slack into the shared pipeline: an event subscriber (the events consumer makes a
 * `deliveries` row with target integration/slack) and the deliverer the deliveries consumer calls.
 * Importing this module registers both, once.
 */
import { integrationSubscribers } from "../../events/subscribers.server";
import { registerIntegrationDeliverer } from "../../webhooks/integration-deliverers.server";
import { deliverToSlack, slackSubscriber } from "./notify.server";

if (!integrationSubscribers.includes(slackSubscriber)) integrationSubscribers.push(slackSubscriber);
registerIntegrationDeliverer("slack", deliverToSlack);

export const slackRegistered = true;
