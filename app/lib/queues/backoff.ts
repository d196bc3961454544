/**
 * The one redelivery delay for a queue message whose handling threw (an infrastructure error, not
 * a receiver's answer): 5 s doubling to at most 5 minutes, by the message's delivery count
 * (`message.attempts`, 1 on first delivery). Every consumer uses it.
 */
export function queueBackoffSeconds(messageAttempts: number): number {
  return Math.min(300, 5 * 2 ** Math.min(Math.max(0, messageAttempts - 1), 6));
}
