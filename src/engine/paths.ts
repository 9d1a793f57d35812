// Where the native build put the engine and the preload library: native/build/ of this package,
// found from the package root, so it works from src/ (tests), dist/ and the bundle.
import {existsSync} from 'node:fs'

import {DeferAcceptError} from '../errors.js'
import {packagePath} from '../package-root.js'

const BUILD = packagePath('native', 'build') + '/'

function built(name: string): string {
  const path = BUILD + name
  if (!existsSync(path)) {
    throw new DeferAcceptError('ENGINE_FAILED', `${path} is missing: the native part is not built`, 'run npm run build')
  }
  return path
}

/** The da-engine executable. */
export function enginePath(): string {
  return built('da-engine')
}

/** The LD_PRELOAD library servers are started with. */
export function preloadPath(): string {
  return built('libdefer_accept_preload.so')
}
