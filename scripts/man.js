#!/usr/bin/env node
// Writes man/defer-accept.1 and man/defer-accept-COMMAND.1 from the commands' own summaries,
// descriptions, flags and examples, so the pages say what --help says. `--check` compares
// instead of writing and exits 1 when a page is stale (the tests run it).
import {readFileSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const {COMMANDS} = await import('../dist/commands/index.js')
const {EXIT} = await import('../dist/errors.js')
const manDir = fileURLToPath(new URL('../man/', import.meta.url))
const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

const roff = (text) => String(text).replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1').replace(/-/g, '\\-')
const example = (text) => roff(text.replace(/<%= config.bin %>/g, 'defer-accept'))
const header = (name, summary) => [`.TH ${name.toUpperCase()} 1 "" "defer-accept ${version}" "User Commands"`, '.SH NAME', `${roff(name)} \\- ${roff(summary)}`]

function flagLines(flags) {
  return Object.entries(flags)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([name, flag]) => {
      const value = flag.type === 'option' ? (flag.options ? ` ${flag.options.join('|')}` : ' VALUE') : ''
      const short = flag.char ? `\\-${flag.char}, ` : ''
      const extra = [flag.multiple ? 'repeatable' : '', flag.default !== undefined && flag.type === 'option' ? `default ${flag.default}` : ''].filter(Boolean).join(', ')
      return ['.TP', `.B ${short}\\-\\-${roff(name)}${roff(value)}`, roff(flag.description + (extra ? ` (${extra})` : ''))]
    })
}

function commandPage(id, command) {
  const flags = {...command.flags, ...(command.enableJsonFlag ? {json: {type: 'boolean', description: 'Format output as json.'}} : {})}
  return [
    ...header(`defer-accept-${id}`, command.summary),
    '.SH SYNOPSIS',
    `.B defer\\-accept ${id}`,
    `[\\fIOPTIONS\\fR]${command.strict === false ? ' [\\fB\\-\\-\\fR \\fISERVER ARGS...\\fR]' : ''}`,
    '.SH DESCRIPTION',
    roff(command.description ?? command.summary),
    '.SH OPTIONS',
    ...flagLines(flags),
    '.SH EXAMPLES',
    ...(command.examples ?? []).flatMap((text) => ['.PP', '.nf', example(text), '.fi']),
    '.SH EXIT STATUS',
    'See \\fBdefer\\-accept\\fR(1).',
    '.SH SEE ALSO',
    '\\fBdefer\\-accept\\fR(1)',
    '',
  ].join('\n')
}

function mainPage() {
  return [
    ...header('defer-accept', 'deferred accept and accept filters for any TCP server'),
    '.SH SYNOPSIS',
    '.B defer\\-accept',
    '\\fICOMMAND\\fR [\\fIOPTIONS\\fR]',
    '.SH COMMANDS',
    ...Object.entries(COMMANDS).flatMap(([id, command]) => ['.TP', `.B ${id}`, `${roff(command.summary)} See \\fBdefer\\-accept\\-${id}\\fR(1).`]),
    '.SH EXIT STATUS',
    'Every error prints one line saying what was wrong and a suggestion saying how to fix it, on standard error. A wrapped server\'s own status is passed on: its exit code, or 128+N when signal N killed it.',
    '.TP',
    '.B 0',
    'success',
    ...Object.entries(EXIT).flatMap(([code, status]) => ['.TP', `.B ${status}`, roff(code.toLowerCase().replace(/_/g, ' '))]),
    '.SH SEE ALSO',
    Object.keys(COMMANDS).map((id) => `\\fBdefer\\-accept\\-${id}\\fR(1)`).join(', '),
    '',
  ].join('\n')
}

const pages = {'defer-accept.1': mainPage(), ...Object.fromEntries(Object.entries(COMMANDS).map(([id, command]) => [`defer-accept-${id}.1`, commandPage(id, command)]))}
const check = process.argv.includes('--check')
let stale = 0
for (const [file, text] of Object.entries(pages)) {
  const path = manDir + file
  if (!check) writeFileSync(path, text)
  else if ((() => { try { return readFileSync(path, 'utf8') } catch { return '' } })() !== text) {
    console.error(`man/${file} is stale: run node scripts/man.js`)
    stale++
  }
}
process.exit(stale ? 1 : 0)
