import {defineConfig} from 'vitest/config'

// Integration tests start real servers and hold real ports: run files one at a time per core
// so that two suites never fight over the 2 cores and time out.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each wait inside a test has its own shorter bound; this one only catches a test that
    // adds several of them up on a machine slowed by the other suite (seen in CI runs at 30 s).
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
    // Debian's own python3 first: a version manager's shim earlier in PATH (pyenv here) costs two
    // seconds per start, and the tests start python3 servers many times.
    env: {PATH: `/usr/bin:/bin:${process.env.PATH}`},
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
})
