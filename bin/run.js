#!/usr/bin/env node
// Node 22.1+ keeps V8's compiled code of the bundle between runs (start-up: bench/RESULTS.md);
// Node 20 has no such cache for ES modules, and runs without it.
import module from 'node:module'

module.enableCompileCache?.()
const {main} = await import('../dist/cli.js')

await main(import.meta.url)
