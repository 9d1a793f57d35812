// Waiting in tests, always bounded: a condition that never comes fails the test with its name.

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls check() every 50 ms until it holds; throws `timed out waiting for WHAT` after timeoutMs. */
export async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** The promise's value, or `timed out waiting for WHAT` after timeoutMs (what() is asked then,
 *  so it can report the state at that moment). */
export async function within<T>(promise: Promise<T>, what: () => string, timeoutMs = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what()}`)), timeoutMs)))
  try {
    return await Promise.race([promise, limit])
  } finally {
    clearTimeout(timer)
  }
}
