// `wrap` and `enable -- SERVER`: configure every listener, start the engine where one is needed,
// start the server with socket activation, forward signals, and report the server's status.
// The wrapper keeps the listening sockets and the engine's ends of the hand-over pairs for as long
// as it runs, so the engine can be restarted without the port ever closing.
import {once} from 'node:events'

import {exitStatus, FORWARDED_SIGNALS, forwardSignals, launch, resolveCommand} from '../activation/launch.js'
import {preloadPath, readStats, startEngine, type Engine, type EngineListener} from '../engine/index.js'
import {DeferAcceptError} from '../errors.js'
import {socketCalls} from '../platform/libc.js'
import type {KernelFilterState, PlatformAdapter} from '../platform/types.js'
import {openControlSocket, openHandoverPair} from './handover.js'
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

function describeKernel(listener: Listener, state: KernelFilterState, requested: number): string {
  return `${listener.address}: ${state.filter} in the kernel (${state.kernelName} ${requested} s, effective ${state.effectiveSeconds} s)`
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
  for (const placement of options.plan.placements) {
    if (placement.where === 'kernel') {
      const state = adapter.attach(placement.listener.fd, placement.filter, options.timeoutSeconds)
      options.report(describeKernel(placement.listener, state, options.timeoutSeconds))
    } else if (placement.where === 'none') {
      options.report(`${placement.listener.address}: no filter`)
    }
  }
  const opened: number[] = []
  const serverEnds: number[] = []
  const serverSockets: Array<{fd: number; name: string}> = []
  const engineListeners: EngineListener[] = []
  const handoverEnv: string[] = []
  try {
    options.plan.placements.forEach((placement, index) => {
      const name = options.names[index]
      if (placement.where !== 'engine') {
        serverSockets.push({fd: placement.listener.fd, name})
        return
      }
      const [engineEnd, serverEnd] = openHandoverPair()
      opened.push(engineEnd)
      serverEnds.push(serverEnd)
      serverSockets.push({fd: serverEnd, name})
      handoverEnv.push(`${3 + index}@${placement.listener.address}`)
      engineListeners.push({
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
    const control = needsEngine ? openControlSocket() : undefined
    if (control) opened.push(control.fd)
    const engine = needsEngine
      ? startEngine({listeners: engineListeners, controlFd: control!.fd, maxParked: options.maxParked, pluginDir: options.pluginDir, user: options.engineUser})
      : undefined
    const env: Record<string, string> = {}
    if (needsEngine) {
      env.LD_PRELOAD = [preloadPath(), process.env.LD_PRELOAD].filter(Boolean).join(':')
      env.DEFER_ACCEPT_CONTROL = control!.path
      if (handoverEnv.length > 0) env.DEFER_ACCEPT_HANDOVER = handoverEnv.join(',')
      if (options.plan.bindRules.length > 0) env.DEFER_ACCEPT_PORTS = options.plan.bindRules.map((rule) => `${rule.port}=${rule.chain}`).join(';')
    }
    const server = launch({command, args: options.args, sockets: serverSockets, env})
    // The server holds its ends now; the engine sees them hang up only once no process has one.
    for (const fd of serverEnds.splice(0)) socketCalls.close(fd)
    const stopForwarding = forwardSignals(server)
    const [code, signal] = (await once(server, 'exit')) as [number | null, NodeJS.Signals | null]
    stopForwarding()
    if (engine) await drain(engine, control!.path)
    control?.remove()
    return exitStatus(code, signal)
  } finally {
    for (const fd of [...opened, ...serverEnds]) socketCalls.close(fd)
  }
}

/**
 * After the server exited. A daemonizing server (nginx `daemon on`) exits while its workers still
 * hold the hand-over sockets: the engine serves them until the last one closes (it then exits by
 * itself), and we wait for it. When no process holds one any more, or no server ever registered
 * (bind mode), the engine is stopped now; a signal to us while we wait stops it too.
 */
async function drain(engine: Engine, controlPath: string): Promise<void> {
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
