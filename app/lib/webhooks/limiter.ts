/**
 * Runs `task` over `items` with at most `limit` holding a slot at once; never rejects (tasks
 * handle their own errors). A task gives its slot back by calling `release` (e.g. once its request
 * is answered, while it still writes the result) or, at the latest, by finishing.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, release: () => void) => Promise<void>,
): Promise<void> {
  const slots = Math.max(1, limit);
  let free = slots;
  const waiting: (() => void)[] = [];
  const acquire = (): Promise<void> => {
    if (free === 0) return new Promise<void>((r) => waiting.push(r));
    free--;
    return Promise.resolve();
  };
  const giveBack = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  const running: Promise<void>[] = [];
  for (const item of items) {
    await acquire();
    let held = true;
    const release = () => {
      if (held) {
        held = false;
        giveBack();
      }
    };
    running.push(task(item, release).finally(release));
  }
  await Promise.all(running);
}
