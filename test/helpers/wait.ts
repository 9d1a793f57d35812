// Waiting in tests, always bounded: a condition that never comes fails the test with its name.
// And stopping what a test started, by pid, whether it passed or not.
import {readFileSync} from 'node:fs'

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

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Stops these masters (TERM, then after 5 s KILL with their children): servers that outlive
 *  the wrapper (a daemon, a re-exec'd master) are stopped by their own pids. */
export async function stopMasters(pids: number[]): Promise<void> {
  const masters = pids.filter((pid) => pid > 0 && alive(pid))
  for (const pid of masters) process.kill(pid, 'SIGTERM')
  const end = Date.now() + 5000
  while (masters.some(alive) && Date.now() < end) await sleep(50)
  for (const pid of masters.filter(alive)) {
    let children: number[] = []
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)
    } catch {
      // gone meanwhile
    }
    for (const each of [pid, ...children]) process.kill(each, 'SIGKILL')
  }
}
