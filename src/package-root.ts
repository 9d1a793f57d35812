// The package's own folder, found by walking up from this module: the same answer from src/
// (tests), dist/ (tsc) and dist/cli.js (the bundle), which sit at different depths.
import {existsSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

let root: string | undefined

function packageRoot(): string {
  if (root) return root
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir)
  root = dir
  return root
}

/** A path inside the package: packagePath('native', 'build', 'da-engine'). */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts)
}
