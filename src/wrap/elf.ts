// Whether LD_PRELOAD can enter a program: only a dynamically linked ELF (one with a PT_INTERP
// program header) runs the dynamic loader that honours it. Go servers are usually static.
import {closeSync, openSync, readSync} from 'node:fs'

const PT_INTERP = 3

function read(fd: number, length: number, position: number): Buffer {
  const bytes = Buffer.alloc(length)
  return bytes.subarray(0, readSync(fd, bytes, 0, length, position))
}

export type Linkage = 'dynamic' | 'static' | 'script' | 'unknown'

export function linkage(path: string): Linkage {
  const fd = openSync(path, 'r')
  try {
    const header = read(fd, 64, 0)
    if (header.subarray(0, 2).toString() === '#!') return 'script'
    if (header.length < 64 || header.readUInt32BE(0) !== 0x7f454c46) return 'unknown'
    const is64 = header[4] === 2
    const little = header[5] === 1
    const u16 = (b: Buffer, at: number) => (little ? b.readUInt16LE(at) : b.readUInt16BE(at))
    const u32 = (b: Buffer, at: number) => (little ? b.readUInt32LE(at) : b.readUInt32BE(at))
    const phoff = is64 ? Number(little ? header.readBigUInt64LE(32) : header.readBigUInt64BE(32)) : u32(header, 28)
    const phentsize = u16(header, is64 ? 54 : 42)
    const phnum = u16(header, is64 ? 56 : 44)
    const table = read(fd, phentsize * phnum, phoff)
    for (let index = 0; index < phnum; index++) {
      if (u32(table, index * phentsize) === PT_INTERP) return 'dynamic'
    }
    return 'static'
  } finally {
    closeSync(fd)
  }
}
