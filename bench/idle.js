// S3's attacker: COUNT connections to 127.0.0.1:PORT that never send a byte, opened in batches,
// reopened when closed, held until SIGTERM. Prints the number open once a second.
import {connect} from 'node:net'

const [count, port] = process.argv.slice(2).map(Number)
const BATCH = 500 // connections opened per tick: fast, without a SYN burst the backlog drops
let open = 0
let stopping = false

function client() {
  if (stopping) return
  const socket = connect({host: '127.0.0.1', port})
  let connected = false
  socket.on('connect', () => {
    connected = true
    open++
  })
  socket.on('error', () => {})
  socket.on('close', () => {
    if (connected) open--
    setTimeout(client, 200)
  })
}

let started = 0
const opener = setInterval(() => {
  for (let i = 0; i < BATCH && started < count; i++, started++) client()
  if (started >= count) clearInterval(opener)
}, 20)
const report = setInterval(() => console.log(`open ${open}`), 1000)
process.on('SIGTERM', () => {
  stopping = true
  clearInterval(report)
  process.exit(0)
})
