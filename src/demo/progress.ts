// Progress while the demo runs: one line rewritten in place on a terminal, and on anything else
// (a pipe, a CI log) only the lines that say a step has finished.
export interface Progress {
  /** The live state; shown only on a terminal. */
  update: (text: string) => void
  /** A finished step; always shown. */
  line: (text: string) => void
  done: () => void
}

export function progress(stream: NodeJS.WriteStream): Progress {
  if (!stream.isTTY) return {update: () => {}, line: (text) => stream.write(`${text}\n`), done: () => {}}
  const fit = (text: string) => text.slice(0, Math.max(20, (stream.columns ?? 80) - 1))
  return {
    update: (text) => stream.write(`\r\x1b[K${fit(text)}`),
    line: (text) => stream.write(`\r\x1b[K${text}\n`),
    done: () => stream.write('\r\x1b[K'),
  }
}

export const silent: Progress = {update: () => {}, line: () => {}, done: () => {}}
