// `wrap` and `enable -- SERVER`: configure every listener, start the engine where one is needed,
// start the server with socket activation, forward signals, and report the server's status.
// The wrapper keeps the listening sockets and the engine's ends of the hand-over pairs for as long
// as it runs, so the engine can be restarted without the port ever closing.
import {once} from 'node:events'
import {setTimeout as delay} from 'node:timers/promises'

import {exitStatus, FORWARDED_SIGNALS, forwardSignals, launch, resolveCommand} from '../activation/launch.js'
import {preloadPath, readStats, startEngine, type Engine, type EngineListener} from '../engine/index.js'
import {DeferAcceptError} from '../errors.js'
import {socketCalls} from '../platform/libc.js'
import type {KernelFilterState, PlatformAdapter} from '../platform/types.js'
import {openControlSocket, openHandoverPair, openKeepQueue} from './handover.js'
import {linkage} from './elf.js'
import type {Listener} from './listeners.js'
import type {OnTimeout, Plan} from './plan.js'

export interface RunOptions {
  command: string | undefined
  args: string[]
  plan: Plan
  /** LISTEN_FDNAMES for the server, one per placement (inherited names, or the address). */
  names: string[]
  timeoutSeconds: number
  onTimeout?: OnTimeout
  backlog: number
  maxParked?: number
  pluginDir?: string
  /** The engine's --user (who it becomes when started as root). */
  engineUser?: string
  /** Where each listener stands, one line each, for stderr. */
  report: (line: string) => void
}

// How long an engine gets to notice that the last hand-over socket closed and exit (it takes
// one pass of its loop: well under this, even on a loaded machine).
const ENGINE_EXIT_GRACE_MS = 300

function describeKernel(listener: Listener, state: KernelFilterState, requested: number): string {
  const timeout = state.effectiveSeconds !== undefined ? ` ${requested} s, effective ${state.effectiveSeconds} s` : state.note ? `; ${state.note}` : ''
  return `${listener.address}: ${state.filter} in the kernel (${state.kernelName}${timeout})`
}

/** What the server is given in place of each listener, and what the engine serves. */
interface HandOver {
  serverSockets: Array<{fd: number; name: string}>
  /** The server's ends of the hand-over pairs: ours to close once the server has them. */
  serverEnds: number[]
  engineListeners: EngineListener[]
  /** DEFER_ACCEPT_HANDOVER entries: the server's descriptor number and the address it stands for. */
  handoverEnv: string[]
}

function handOver(options: RunOptions): HandOver {
  const result: HandOver = {serverSockets: [], serverEnds: [], engineListeners: [], handoverEnv: []}
  options.plan.placements.forEach((placement, index) => {
    const name = options.names[index]
    if (placement.where !== 'engine') {
      result.serverSockets.push({fd: placement.listener.fd, name})
      return
    }
    const [engineEnd, serverEnd] = openHandoverPair()
    result.serverEnds.push(serverEnd)
    result.serverSockets.push({fd: serverEnd, name})
    result.handoverEnv.push(`${3 + index}@${placement.listener.address}`)
    result.engineListeners.push({
      listenFd: placement.listener.fd,
      handoverFd: engineEnd,
      chain: placement.chain,
      timeoutMs: options.timeoutSeconds * 1000,
      onTimeout: options.onTimeout ?? 'drop',
      backlog: options.backlog,
      address: placement.listener.address,
    })
    options.report(`${placement.listener.address}: ${placement.chain} in the engine (timeout ${options.timeoutSeconds} s, then ${options.onTimeout ?? 'drop'})`)
  })
  return result
}

function applyKernelFilters(adapter: PlatformAdapter, options: RunOptions): void {
  for (const placement of options.plan.placements) {
    if (placement.where === 'kernel') {
      const state = adapter.attach(placement.listener.fd, placement.filter, options.timeoutSeconds)
      options.report(describeKernel(placement.listener, state, options.timeoutSeconds))
    } else if (placement.where === 'none') {
      options.report(`${placement.listener.address}: no filter`)
    }
  }
}

/** Everything that can fail because of the user's input happens before the server starts. */
export async function run(adapter: PlatformAdapter, options: RunOptions): Promise<number> {
  const command = resolveCommand(options.command)
  const needsEngine = options.plan.placements.some((p) => p.where === 'engine') || options.plan.bindRules.length > 0
  if (needsEngine && linkage(command) === 'static') {
    throw new DeferAcceptError(
      'PRELOAD_IMPOSSIBLE',
      `${command} is statically linked: the engine's preload library cannot enter it`,
      'use --filter dataready (the kernel defers it), or put the engine in front of a dynamically linked server',
    )
  }
  applyKernelFilters(adapter, options)
  let plan: HandOver | undefined
  let control: ReturnType<typeof openControlSocket> | undefined
  let keep: [number, number] | undefined
  try {
    plan = handOver(options)
    const env: Record<string, string> = {}
    let engine: Engine | undefined
    if (needsEngine) {
      control = openControlSocket()
      keep = openKeepQueue()
      engine = startEngine({
        listeners: plan.engineListeners,
        controlFd: control.fd,
        keep,
        registered: {timeoutMs: options.timeoutSeconds * 1000, onTimeout: options.onTimeout ?? 'drop', backlog: options.backlog},
        maxParked: options.maxParked,
        pluginDir: options.pluginDir,
        user: options.engineUser,
      })
      env.LD_PRELOAD = [preloadPath(), process.env.LD_PRELOAD].filter(Boolean).join(':')
      env.DEFER_ACCEPT_CONTROL = control.path
      if (plan.handoverEnv.length > 0) env.DEFER_ACCEPT_HANDOVER = plan.handoverEnv.join(',')
      if (options.plan.bindRules.length > 0) env.DEFER_ACCEPT_PORTS = options.plan.bindRules.map((rule) => `${rule.port}=${rule.chain}`).join(';')
    }
    const server = launch({command, args: options.args, sockets: plan.serverSockets, env})
    // The server holds its ends now; the engine sees them hang up only once no process has one.
    for (const fd of plan.serverEnds.splice(0)) socketCalls.close(fd)
    const stopForwarding = forwardSignals(server)
    const [code, signal] = (await once(server, 'exit')) as [number | null, NodeJS.Signals | null]
    stopForwarding()
    if (engine) await drain(engine, control!.path)
    return exitStatus(code, signal)
  } finally {
    const ours = [...(plan?.engineListeners.map((listener) => listener.handoverFd) ?? []), ...(plan?.serverEnds ?? []), ...(keep ?? [])]
    for (const fd of ours) socketCalls.close(fd)
    if (control) {
      socketCalls.close(control.fd)
      control.remove()
    }
  }
}

/**
 * After the server exited. A daemonizing server (nginx `daemon on`) exits while its workers still
 * hold the hand-over sockets: the engine serves them until the last one closes (it then exits by
 * itself), and we wait for it. When no process holds one any more, or no server ever registered
 * (bind mode), the engine is stopped now; a signal to us while we wait stops it too.
 */
async function drain(engine: Engine, controlPath: string): Promise<void> {
  // The server's exit usually closed the last hand-over socket, and the engine exits by itself at
  // once; only a silent engine is asked (we hold its control socket too, so a question to an engine
  // that is gone would wait for the answer's time limit).
  const settled = await Promise.race([engine.finished().then(() => true), delay(ENGINE_EXIT_GRACE_MS).then(() => false)])
  if (settled) return
  const stats = await readStats(controlPath).catch(() => undefined)
  if (!stats?.listeners.some((listener) => !listener.server_closed)) {
    await engine.stop()
    return
  }
  const stop = () => void engine.stop()
  for (const signal of FORWARDED_SIGNALS) process.once(signal, stop)
  await engine.finished()
  for (const signal of FORWARDED_SIGNALS) process.off(signal, stop)
}
