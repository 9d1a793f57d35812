// --watch: a new snapshot every period, drawn over the previous one on a terminal (appended
// when piped), with per-second rates of the engine counters. Runs until interrupted.
import {setTimeout as sleep} from 'node:timers/promises'

import {inspect, type InspectOptions} from './collect.js'
import {withRates} from './rates.js'
import {render} from './render.js'

const HOME_AND_CLEAR = '\x1b[H\x1b[2J'

export async function watch(seconds: number, filter: InspectOptions, draw: (frame: string) => void): Promise<never> {
  let previous = await inspect(filter)
  let taken = Date.now()
  for (;;) {
    const title = `every ${seconds} s: defer-accept inspect   ${new Date().toLocaleTimeString()}`
    draw(`${process.stdout.isTTY ? HOME_AND_CLEAR : ''}${title}\n${render(previous)}\n`)
    await sleep(seconds * 1000)
    const next = await inspect(filter)
    const now = Date.now()
    previous = withRates(previous, next, (now - taken) / 1000)
    taken = now
  }
}
