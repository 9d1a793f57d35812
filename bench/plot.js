#!/usr/bin/env node
// Draws the SVG plots of bench/plots/ from the raw results in bench/results/ (JSON Lines written
// by the scenarios). No dependencies: grouped bar charts written as SVG text.
import {mkdirSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {read, s1Medians} from './results.js'

const plots = fileURLToPath(new URL('./plots/', import.meta.url))
const COLOURS = ['#8c8c8c', '#5b8fd9', '#2e9e5b', '#d98c2e', '#b85bd9', '#d95b5b']
const VARIANT_LABEL = {bare: 'bare', kernel: 'kernel TCP_DEFER_ACCEPT', httpready: 'defer-accept httpready', haproxy: 'HAProxy in front', 'nginx-proxy': 'nginx proxy in front', 'apache-reqtimeout': 'Apache mod_reqtimeout in front'}

const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;')
const short = (value) => (value >= 1000 ? `${(value / 1000).toFixed(1)}k` : String(+value.toFixed(value < 1 ? 3 : 1)))

/** groups: [{label, values: {series: number|null}}]; series: the bars of each group, in order. */
function bars({title, unit, series, groups, format = short}) {
  const width = 860, height = 420, left = 70, top = 50, bottom = 70, legend = 200
  const plotWidth = width - left - legend - 20, plotHeight = height - top - bottom
  const max = Math.max(1e-9, ...groups.flatMap((group) => series.map((name) => group.values[name] ?? 0)))
  const groupWidth = plotWidth / groups.length
  const barWidth = (groupWidth * 0.8) / series.length
  const y = (value) => top + plotHeight - (value / max) * plotHeight
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="16" y="${top + plotHeight / 2}" transform="rotate(-90 16 ${top + plotHeight / 2})" text-anchor="middle">${escape(unit)}</text>`,
  ]
  for (let i = 0; i <= 4; i++) {
    const value = (max * i) / 4
    out.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(value)}" y2="${y(value)}" stroke="#ddd"/>`)
    out.push(`<text x="${left - 6}" y="${y(value) + 4}" text-anchor="end">${format(value)}</text>`)
  }
  groups.forEach((group, g) => {
    const x0 = left + g * groupWidth + groupWidth * 0.1
    series.forEach((name, s) => {
      const value = group.values[name]
      if (value === undefined) return
      const x = x0 + s * barWidth
      const v = value ?? 0
      out.push(`<rect x="${x}" y="${y(v)}" width="${barWidth - 2}" height="${top + plotHeight - y(v)}" fill="${COLOURS[s % COLOURS.length]}"/>`)
      out.push(`<text x="${x + barWidth / 2 - 1}" y="${y(v) - 3}" text-anchor="middle" font-size="9">${value === null ? 'n/a' : format(v)}</text>`)
    })
    out.push(`<text x="${x0 + groupWidth * 0.4}" y="${top + plotHeight + 18}" text-anchor="middle">${escape(group.label)}</text>`)
  })
  series.forEach((name, s) => {
    const ly = top + s * 20
    out.push(`<rect x="${width - legend}" y="${ly}" width="12" height="12" fill="${COLOURS[s % COLOURS.length]}"/>`)
    out.push(`<text x="${width - legend + 18}" y="${ly + 10}">${escape(VARIANT_LABEL[name] ?? name)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

const variantsOf = (rows) => [...new Set(rows.map((row) => row.variant))]
const percent = (value) => `${Math.round(value * 100)}%`
const charts = {}

const s1 = s1Medians()
if (s1.length) {
  const keys = [...new Set(s1.map((row) => `${row.backend} ${row.mode === 'close' ? 'new conn.' : 'keep-alive'}`))]
  const group = (field) => keys.map((label) => ({
    label,
    values: Object.fromEntries(s1.filter((row) => `${row.backend} ${row.mode === 'close' ? 'new conn.' : 'keep-alive'}` === label).map((row) => [row.variant, row[field]])),
  }))
  charts['s1-requests'] = bars({title: 'S1 good traffic: requests/s (wrk -t1 -c32, median of the rounds)', unit: 'requests/s', series: variantsOf(s1), groups: group('rps')})
  charts['s1-cpu'] = bars({title: 'S1 CPU seconds of all server-side processes per 1,000 requests', unit: 'CPU s / 1,000 requests', series: variantsOf(s1), groups: group('cpu_s_per_1000')})
}

for (const [name, title] of [['S2', 'S2 slow clients (slowhttptest) against gunicorn sync -w 4'], ['S3', 'S3 10,000 idle connections against gunicorn sync -w 4']]) {
  const rows = read(name)
  if (!rows.length) continue
  const label = (row) => (name === 'S2' ? `slow ${row.attack}, ${row.connections}` : `${row.idle} idle`)
  const labels = [...new Set(rows.map(label))]
  charts[`${name.toLowerCase()}-share`] = bars({
    title: `${title}: good requests/s kept`,
    unit: 'share of unattacked requests/s',
    series: variantsOf(rows),
    groups: labels.map((l) => ({label: l, values: Object.fromEntries(rows.filter((row) => label(row) === l).map((row) => [row.variant, row.share]))})),
    format: percent,
  })
}

const s5 = read('S5')
if (s5.length) {
  const count = (row, names) => names.reduce((sum, n) => sum + (row.syscalls[n]?.per_request ?? 0), 0)
  const errors = (row) => Object.values(row.syscalls).reduce((sum, c) => sum + c.errors_per_request, 0)
  charts['s5-syscalls'] = bars({
    title: 'S5 system calls of the server per request (request in three segments)',
    unit: 'calls per request',
    series: ['accept4 or hand-over recvmsg', 'recvfrom or read', 'failed calls', 'all calls'],
    groups: s5.map((row) => ({
      label: `${row.server} ${row.variant}`,
      values: {
        'accept4 or hand-over recvmsg': count(row, ['accept', 'accept4', 'recvmsg']),
        'recvfrom or read': count(row, ['recvfrom', 'read', 'recv']),
        'failed calls': errors(row),
        'all calls': Object.values(row.syscalls).reduce((sum, c) => sum + c.per_request, 0),
      },
    })),
  })
}

const s6 = read('S6')
if (s6.length) {
  const labels = [...new Set(s6.map((row) => row.delay_s))]
  charts['s6-packets'] = bars({
    title: 'S6 packets on the loopback per connection (tshark)',
    unit: 'packets per connection',
    series: variantsOf(s6),
    groups: labels.map((d) => ({label: d === 0 ? 'client sends at once' : `client speaks after ${d} s`, values: Object.fromEntries(s6.filter((row) => row.delay_s === d).map((row) => [row.variant, row.packets_per_connection]))})),
  })
}

mkdirSync(plots, {recursive: true})
for (const [name, svg] of Object.entries(charts)) {
  writeFileSync(`${plots}${name}.svg`, svg)
  console.log(`bench/plots/${name}.svg`)
}
