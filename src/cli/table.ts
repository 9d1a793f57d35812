// A plain text table for people: columns padded to their widest cell, the last column cut to
// the terminal's width. chalk colours only when stdout is a TTY (it checks), so pipes get text.
import chalk from 'chalk'

export type Row = Record<string, string>

const visibleLength = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').length

export function table(columns: Array<{key: string; header: string}>, rows: Row[], width = process.stdout.columns ?? 160): string {
  const widths = columns.map((column) => Math.max(column.header.length, ...rows.map((row) => visibleLength(row[column.key] ?? ''))))
  const pad = (text: string, index: number) => (index === columns.length - 1 ? text : text + ' '.repeat(widths[index] - visibleLength(text)))
  // Only the last column is cut, and only when it is plain text, so other columns may be coloured.
  const room = width - widths.slice(0, -1).reduce((sum, cell) => sum + cell + 2, 0)
  const fit = (text: string) => (text.length > room && !text.includes('\x1b') ? text.slice(0, Math.max(0, room - 1)) + '…' : text)
  const line = (cells: string[]) => [...cells.slice(0, -1), fit(cells[cells.length - 1])].map(pad).join('  ').trimEnd()
  return [chalk.bold(line(columns.map((column) => column.header))), ...rows.map((row) => line(columns.map((column) => row[column.key] ?? '')))].join('\n')
}
