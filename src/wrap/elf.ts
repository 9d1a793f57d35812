// Whether LD_PRELOAD can enter a program: only a dynamically linked ELF (one with a PT_INTERP
// program header) runs the dynamic loader that honours it, and only for calls made through libc:
// Go programs make their own system calls, dynamically linked or not (Debian's caddy).
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

// Sections the Go toolchain writes into every binary it links (stripped ones keep them).
const GO_SECTIONS = new Set(['.note.go.buildid', '.go.buildinfo'])

/** Whether path is an ELF program built by Go (a section of GO_SECTIONS). */
export function isGoProgram(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const header = read(fd, 64, 0)
    if (header.length < 64 || header.readUInt32BE(0) !== 0x7f454c46) return false
    const is64 = header[4] === 2
    const little = header[5] === 1
    const u16 = (b: Buffer, at: number) => (little ? b.readUInt16LE(at) : b.readUInt16BE(at))
    const u32 = (b: Buffer, at: number) => (little ? b.readUInt32LE(at) : b.readUInt32BE(at))
    const word = (b: Buffer, at: number) => (is64 ? Number(little ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at)) : u32(b, at))
    const shoff = word(header, is64 ? 40 : 32)
    const shentsize = u16(header, is64 ? 58 : 46)
    const shnum = u16(header, is64 ? 60 : 48)
    const shstrndx = u16(header, is64 ? 62 : 50)
    if (shoff === 0 || shnum === 0 || shstrndx >= shnum) return false
    const table = read(fd, shentsize * shnum, shoff)
    if (table.length < shentsize * shnum) return false
    // Elf64_Shdr / Elf32_Shdr: sh_name at 0, sh_offset at 24 / 16, sh_size at 32 / 20.
    const section = (index: number) => ({name: u32(table, index * shentsize), offset: word(table, index * shentsize + (is64 ? 24 : 16)), size: word(table, index * shentsize + (is64 ? 32 : 20))})
    const strings = section(shstrndx)
    const names = read(fd, Math.min(strings.size, 1 << 20), strings.offset)
    for (let index = 0; index < shnum; index++) {
      const at = section(index).name
      const end = names.indexOf(0, at)
      if (at < names.length && GO_SECTIONS.has(names.toString('latin1', at, end < 0 ? names.length : end))) return true
    }
    return false
  } finally {
    closeSync(fd)
  }
}
