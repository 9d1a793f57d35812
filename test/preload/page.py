"""The counters page (native/common/page.h) as the wrapper makes it: a memfd, the header at the
offsets page.h asserts, little-endian. The one encoder and reader of the page for these tests."""
import mmap
import os
import secrets
import struct

PAGE_SIZE = 4096
MAGIC, VERSION = 0x32566164, 1
TOKEN, TIMEOUT_MS, PASS_ON_TIMEOUT, ADDRESS_SET, ADDRESS, CHAIN, COUNT = 8, 24, 28, 36, 40, 104, 360
PASSED_ON = ['verdict', 'timeout', 'oversize', 'no_engine']
DROPPED = ['timeout', 'eof', 'reset', 'filter', 'park_full', 'shed', 'no_server', 'engine']


class Page:
    def __init__(self, chain, timeout_ms=30000, pass_on_timeout=False):
        self.token = secrets.token_bytes(16)
        self.fd = os.memfd_create('da-test-page', 0)
        os.ftruncate(self.fd, PAGE_SIZE)
        self.map = mmap.mmap(self.fd, PAGE_SIZE)
        struct.pack_into('<II16sII', self.map, 0, MAGIC, VERSION, self.token, timeout_ms, int(pass_on_timeout))
        self.map[CHAIN:CHAIN + len(chain)] = chain.encode()

    def address(self):
        if not struct.unpack_from('<I', self.map, ADDRESS_SET)[0]:
            return None
        return self.map[ADDRESS:CHAIN].split(b'\0')[0].decode()

    def counters(self):
        """The preload's counters that are not zero, named as `stats` names them."""
        values = struct.unpack_from('<16Q', self.map, COUNT)
        named = {'accepted': values[0], 'ready': values[1], 'passed': values[2], 'parked_total': values[15]}
        named.update({f'passed_on.{n}': v for n, v in zip(PASSED_ON, values[3:7])})
        named.update({f'dropped.{n}': v for n, v in zip(DROPPED, values[7:15])})
        return {k: v for k, v in named.items() if v}
