#!/usr/bin/env node
// As bin/run.js.
import module from 'node:module'

module.enableCompileCache?.()
const {main} = await import('./dist/cli.js')

await main(import.meta.url)
