// The convention the wrapper and inspect share: a wrapper's engine answers on
// controlSocketPath(wrapperPid), in a directory private to the user.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {controlSocketDir, controlSocketPath} from '../../src/inspect/control.js'

describe('control socket path', () => {
  it('uses XDG_RUNTIME_DIR when set and owned by the user, and ignores one of another user (root after su)', () => {
    const runtime = mkdtempSync(join(tmpdir(), 'da-xdg-'))
    try {
      const uid = process.getuid!()
      expect(controlSocketPath(123, {XDG_RUNTIME_DIR: runtime}, uid)).toBe(join(runtime, 'defer-accept', '123.sock'))
      expect(controlSocketDir({XDG_RUNTIME_DIR: runtime}, uid + 1)).toBe(`/tmp/defer-accept-${uid + 1}`)
    } finally {
      rmSync(runtime, {recursive: true})
    }
  })

  it('uses /run for root and /tmp per user otherwise', () => {
    expect(controlSocketDir({}, 0)).toBe('/run/defer-accept')
    expect(controlSocketPath(77, {}, 1000)).toBe('/tmp/defer-accept-1000/77.sock')
  })
})
