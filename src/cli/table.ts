// A plain text table for people: columns padded to their widest cell, the last column cut to
// the terminal's width. chalk colours only when stdout is a TTY (it checks), so pipes get text.
import chalk from 'chalk'

export type Row = Record<string, string>

const visibleLength = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').length

export function table(columns: Array<{key: string; header: string}>, rows: Row[], width = process.stdout.columns ?? 160): string {
  const widths = columns.map((column) => Math.max(column.header.length, ...rows.map((row) => visibleLength(row[column.key] ?? ''))))
  const pad = (text: string, index: number) => (index === columns.length - 1 ? text : text + ' '.repeat(widths[index] - visibleLength(text)))
  const line = (cells: string[]) => {
    const text = cells.map(pad).join('  ').trimEnd()
    return visibleLength(text) > width && !text.includes('\x1b') ? text.slice(0, width - 1) + '…' : text
  }
  return [chalk.bold(line(columns.map((column) => column.header))), ...rows.map((row) => line(columns.map((column) => row[column.key] ?? '')))].join('\n')
}
