// The npm package as a user gets it: `npm pack` of this checkout, installed with
// `npm install -g --prefix TMP ./defer-accept-VERSION.tgz` into a temporary prefix. Packed and
// installed once per test file (it takes seconds); tests run its bin from there.
import {execFile} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

const run = promisify(execFile)
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface Installed {
  /** The temporary --prefix: bin/, lib/node_modules/, share/man/. */
  prefix: string
  /** PREFIX/bin/defer-accept, the command a user runs. */
  bin: string
  /** PREFIX/lib/node_modules/defer-accept, the installed package. */
  packageDir: string
  /** The tarball npm pack wrote. */
  tarball: string
}

let installing: Promise<Installed> | undefined

/** Packs this checkout (as built: scripts are skipped, so dist/ and native/build/ must exist)
 *  and installs the tarball globally into a new temporary prefix. Once per process. */
export function installedPackage(): Promise<Installed> {
  installing ??= (async () => {
    // tsc alone writes an unbundled dist/cli.js over the bundle, which the package cannot run.
    if (!readFileSync(join(ROOT, 'dist', 'cli.js'), 'utf8').includes('node_modules/@oclif/core/')) {
      throw new Error('dist/cli.js is not the bundle: run npm run build (tsc, then the bundle) first')
    }
    const dir = mkdtempSync(join(tmpdir(), 'da-package-'))
    const {stdout} = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {cwd: ROOT, timeout: 60_000})
    const tarball = join(dir, (JSON.parse(stdout) as Array<{filename: string}>)[0].filename)
    const prefix = join(dir, 'prefix')
    // Dependencies come from npm's cache when it has them (it does after npm ci), else the registry.
    await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], {cwd: dir, timeout: 90_000})
    return {prefix, bin: join(prefix, 'bin', 'defer-accept'), packageDir: join(prefix, 'lib', 'node_modules', 'defer-accept'), tarball}
  })()
  return installing
}

/** Removes the prefix and tarball of installedPackage(), if it ran. */
export async function removeInstalled(): Promise<void> {
  if (!installing) return
  const {prefix} = await installing.catch(() => ({prefix: undefined}))
  installing = undefined
  if (prefix) rmSync(join(prefix, '..'), {recursive: true, force: true})
}

/** `npm pack --dry-run --json` of this checkout: the paths the tarball would hold. */
export async function packedPaths(): Promise<string[]> {
  const {stdout} = await run('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], {cwd: ROOT, timeout: 60_000})
  return (JSON.parse(stdout) as Array<{files: Array<{path: string}>}>)[0].files.map((file) => file.path)
}
