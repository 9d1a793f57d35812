// Processes that carry a marker in their environment: the demo's children inherit it, so a test
// can tell whether any of them outlived the demo.
import {readdirSync, readFileSync} from 'node:fs'

export function withMarker(marker: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(marker)) pids.push(Number(entry))
    } catch {
      // gone already, or not ours to read
    }
  }
  return pids
}
