// FreeBSD: SO_ACCEPTFILTER, with one kernel module per filter (sys/netinet/accf_*.c).
import {AcceptFilterAdapter, type AcceptFilterConstants} from './so-acceptfilter.js'
import type {SocketCalls} from './types.js'

// freebsd/freebsd-src: sys/sys/socket.h (SOCK_STREAM, SO_*, SOL_SOCKET, AF_*),
// sys/netinet/in.h (IPPROTO_*), sys/netinet6/in6.h (IPV6_V6ONLY)
export const FREEBSD: AcceptFilterConstants = {
  AF_INET: 2,
  AF_INET6: 28,
  SOCK_STREAM: 1,
  SOL_SOCKET: 0xffff,
  SO_REUSEADDR: 0x0004,
  SO_TYPE: 0x1008,
  SO_ACCEPTCONN: 0x0002,
  SO_ACCEPTFILTER: 0x1000,
  IPPROTO_TCP: 6,
  IPPROTO_IPV6: 41,
  IPV6_V6ONLY: 27,
}

export class FreeBsdAdapter extends AcceptFilterAdapter {
  constructor(calls: SocketCalls) {
    super(calls, {
      os: 'freebsd',
      label: 'FreeBSD',
      constants: FREEBSD,
      // Module names from each ACCEPT_FILTER_DEFINE in sys/netinet/accf_{data,http,dns,tls}.c.
      modules: {
        dataready: {module: 'accf_data'},
        httpready: {module: 'accf_http'},
        dnsready: {module: 'accf_dns'},
        tlsready: {module: 'accf_tls', since: 'FreeBSD 15 or later'},
      },
      load: (module) => `kldload ${module} (and ${module}_load="YES" in /boot/loader.conf to keep it after a reboot)`,
    })
  }
}
