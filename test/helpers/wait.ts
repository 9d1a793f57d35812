// Waiting in tests, always bounded: a condition that never comes fails the test with its name.
// And stopping what a test started, by pid, whether it passed or not.
import {readFileSync} from 'node:fs'

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls check() every everyMs until it returns (or resolves to) something other than false,
 *  undefined or null, and returns that; throws `timed out waiting for WHAT` after timeoutMs.
 *  A boolean check (`until(() => done, 'done')`) and one that finds a value both fit. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000, everyMs = 50): Promise<Exclude<T, false | undefined | null>> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== false && value !== undefined && value !== null) return value as Exclude<T, false | undefined | null>
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(everyMs)
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

/** After a test: waits up to timeoutMs for these processes to exit by themselves (a server's
 *  workers once their master is told to stop), then SIGKILLs those left. */
export async function reap(pids: number[], timeoutMs = 5000): Promise<void> {
  await until(() => !pids.some(alive), 'processes to exit', timeoutMs, 100).catch(() => {})
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL')
}

/** The parent of pid, from /proc/PID/stat (`pid (comm) state ppid ...`; comm may hold spaces
 *  and parentheses, so the fields are read after the last ')'); 0 when it is gone. */
export function parentPid(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return 0
  }
}
