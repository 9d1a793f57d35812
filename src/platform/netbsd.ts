// NetBSD (5.0 and later): the SO_ACCEPTFILTER framework ported from FreeBSD, with only the data
// and HTTP filters. The kernel autoloads module "accf_" + name on first use (uipc_accf.c,
// accept_filt_get), so ENOENT means that module is missing or autoloading is off.
import {AcceptFilterAdapter, type AcceptFilterConstants} from './so-acceptfilter.js'
import type {SocketCalls} from './types.js'

// NetBSD/src: sys/sys/socket.h (SOCK_STREAM, SO_*, SOL_SOCKET, AF_*; SO_ACCEPTFILTER as of
// socket.h 1.107, mirrored in sys/rump/include/rump/rumpdefs.h), sys/netinet6/in6.h
// (IPV6_V6ONLY); IPPROTO_TCP and IPPROTO_IPV6 are the IANA numbers every BSD uses.
export const NETBSD: AcceptFilterConstants = {
  AF_INET: 2,
  AF_INET6: 24,
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

export class NetBsdAdapter extends AcceptFilterAdapter {
  constructor(calls: SocketCalls) {
    super(calls, {
      os: 'netbsd',
      label: 'NetBSD',
      constants: NETBSD,
      // MODULE(MODULE_CLASS_MISC, accf_dataready / accf_httpready) in sys/netinet/accf_*.c.
      modules: {
        dataready: {module: 'accf_dataready'},
        httpready: {module: 'accf_httpready'},
      },
      load: (module) => `modload ${module}`,
    })
  }
}
