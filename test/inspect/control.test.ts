// The convention the wrapper and inspect share: a wrapper's engine answers on
// controlSocketPath(wrapperPid), in a directory private to the user.
import {describe, expect, it} from 'vitest'

import {controlSocketDir, controlSocketPath} from '../../src/inspect/control.js'

describe('control socket path', () => {
  it('uses XDG_RUNTIME_DIR when set', () => {
    expect(controlSocketPath(123, {XDG_RUNTIME_DIR: '/run/user/1000'}, 1000)).toBe('/run/user/1000/defer-accept/123.sock')
  })

  it('uses /run for root and /tmp per user otherwise', () => {
    expect(controlSocketDir({}, 0)).toBe('/run/defer-accept')
    expect(controlSocketPath(77, {}, 1000)).toBe('/tmp/defer-accept-1000/77.sock')
  })
})
