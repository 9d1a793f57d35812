"""The preload's cases, each a numbered narrative observed from outside the server: cases.py NAME
prints one JSON document of what was seen, which accept.test.ts and bind.test.ts compare."""
import json
import os
import socket
import sys
import time

from harness import REQUEST, Harness, closed_by_peer

SOCK_NONBLOCK, SOCK_CLOEXEC = 0o4000, 0o2000000


def port_of(c):
    return c.getsockname()[1]


def no_data():
    """1. A client that sends nothing never comes out of a blocking accept; the next one does.
    Without TCP_DEFER_ACCEPT on the listener, so that the preload sees it (and parks it)."""
    with Harness(defer=False) as h:
        silent = h.client()
        good = h.client(REQUEST)  # queued behind it, its bytes there before the accept
        time.sleep(0.2)
        h.tell('accept')
        got = h.read()
        payload, parked = h.parked()
        return {'first_returned_is_good': got['port'] == port_of(good), 'parked': payload,
                'parked_peer_is_silent': parked.getpeername()[1] == port_of(silent), 'counters': h.page.counters()}


def complete():
    """2. A complete request is accepted at once, its bytes intact, its peer right, errno kept."""
    with Harness(host=sys.argv[2] if len(sys.argv) > 2 else '127.0.0.1') as h:
        c = h.client(REQUEST)
        time.sleep(0.1)
        got = h.ask(f'accept {SOCK_NONBLOCK | SOCK_CLOEXEC}')
        small = h.client(REQUEST)
        time.sleep(0.1)
        truncated = h.ask('accept 0 4')
        bad = h.ask('accept 0x40000000')
        return {'peer_right': got.pop('port') == port_of(c), 'first': got, 'second_peer_right': truncated.pop('port') == port_of(small),
                'small_room': truncated, 'bad_flags': bad, 'counters': h.page.counters(), 'nothing_parked': h.parked(0.2) is None}


def not_http():
    """3. Bytes that are not HTTP, with httpready: passed at once."""
    with Harness() as h:
        h.client(b'SSH-2.0-OpenSSH_9.6\r\n')
        time.sleep(0.1)
        return {'got': h.ask('accept')['data'], 'counters': h.page.counters()}


def partial():
    """4. A partial request goes to the engine; given back with a wake-up, it is THAT connection
    the server's accept returns, every byte unread, and the wake-up never reaches the server."""
    with Harness() as h:
        c = h.client(b'GET / HTTP/1.1\r\n')
        h.tell('accept')
        payload, parked = h.parked()
        early = h.read(0.5)
        c.sendall(b'Host: x\r\n\r\n')
        wake = h.give_back(parked)
        got = h.read()
        h.ask('nonblock')
        after = h.ask('accept')  # nothing else may be waiting: the wake-up is gone
        return {'parked': payload, 'returned_early': early, 'peer_right': got['port'] == port_of(c), 'data': got['data'],
                'family': got['family'], 'wake_up_closed': closed_by_peer(wake), 'after': after['errno'] if after['fd'] < 0 else after,
                'counters': h.page.counters()}


def eof():
    """5. A client that closes before its first byte is never returned: dropped (eof)."""
    with Harness() as h:
        h.client().close()
        time.sleep(0.2)
        h.tell('accept')
        time.sleep(0.2)
        good = h.client(REQUEST)
        got = h.read()
        return {'then': got['port'] == port_of(good), 'counters': h.page.counters(), 'nothing_parked': h.parked(0.2) is None}


def no_engine():
    """6. The channel is broken: a partial request is handed over at once (pass) or closed (drop)."""
    result = {}
    for policy in (True, False):
        with Harness(pass_on_timeout=policy) as h:
            h.engine.close()
            c = h.client(b'GET / HTTP/1.1\r\n')
            time.sleep(0.1)
            h.tell('accept')
            got = h.read(1.0)
            seen = {'returned': got is not None and got['port'] == port_of(c)}
            if got is None:
                seen['client_closed'] = closed_by_peer(c)
                good = h.client(REQUEST)
                seen['then'] = h.read()['port'] == port_of(good)
            seen['counters'] = h.page.counters()
            result['pass' if policy else 'drop'] = seen
    return result


def nonblocking():
    """7. A non-blocking listener with only partial requests queued says EAGAIN; a ready message
    whose wake-up was lost comes out of the next accept that would say EAGAIN."""
    with Harness() as h:
        h.ask('nonblock')
        first, second = h.client(b'GET / HT'), h.client(b'POST /')
        time.sleep(0.2)
        got = h.ask('accept')
        parked = [h.parked(), h.parked()]
        first.sendall(b'TP/1.1\r\n\r\n')
        h.give_back(parked[0][1], wake=False)
        time.sleep(0.1)
        lost_wake = h.ask('accept')
        return {'first': got, 'parked': [p[0] for p in parked], 'lost_wake_up_peer_right': lost_wake['port'] == port_of(first),
                'data': lost_wake['data'], 'nonblock': lost_wake['nonblock'], 'counters': h.page.counters()}


def bind_mode():
    """8. A server that binds and listens itself on a configured port is filtered: TCP_DEFER_ACCEPT
    set from the page (2.5 s rounded up), its address written to the page."""
    host = sys.argv[2] if len(sys.argv) > 2 else '127.0.0.1'
    with Harness(bind=True, timeout_ms=2500, host=host) as h:
        defer = h.ask('defer')
        h.client(b'GET / HTTP/1.1\r\n')
        h.tell('accept')
        payload, parked = h.parked()
        good = h.client(REQUEST)
        got = h.read()
        return {'defer': defer, 'parked': payload, 'then': got['port'] == port_of(good), 'address': h.page.address(),
                'listeners_env': h.hello['env'].get('DEFER_ACCEPT_LISTENERS'), 'counters': h.page.counters()}


def dup_close():
    """9. A copy of the listener (dup2) is filtered too; once closed, a new socket at its number is
    not: its client comes out at once, with nothing sent, nothing parked."""
    with Harness() as h:
        old = h.hello['fd']
        h.ask('dup2 40')
        h.ask(f'close {old}')
        h.client(b'GET / HTTP/1.1\r\n')
        h.tell('accept')
        payload, _ = h.parked()
        h.client(REQUEST)
        h.read()
        h.ask('close 40')
        fresh = h.ask('fresh 40')
        c = socket.create_connection(('127.0.0.1', fresh['port']))
        h.clients.append(c)
        got = h.ask('accept', 5.0)
        return {'copy_parked': payload, 'fresh_fd': fresh['fd'], 'fresh_accepted': got['port'] == port_of(c),
                'fresh_data': got['data'], 'nothing_parked': h.parked(0.2) is None}


def exec_env():
    """10. execve with an environment of the program's own making: the same binary gets the
    preload back with DEFER_ACCEPT_LISTENERS and filters its inherited listener; a program that
    keeps our variables gets DEFER_ACCEPT_LISTENERS rewritten; another program with a clean
    environment is left as it is."""
    result = {}
    here = os.path.dirname(os.path.abspath(__file__))
    with Harness() as h:
        fd = h.hello['fd']
        args = [sys.executable, os.path.join(here, 'server.py'), '--fd', str(fd)]
        h.tell(f'exec {sys.executable} {json.dumps({"TZ": "UTC"}, separators=(",", ":"))} {json.dumps(args, separators=(",", ":"))}')
        again = h.read()
        result['same_binary'] = sorted(again['env'])
        result['listeners'] = again['env'].get('DEFER_ACCEPT_LISTENERS') == str(fd)
        h.client(b'GET / HTTP/1.1\r\n')
        h.tell('accept')
        result['still_filtered'] = (h.parked() or [None])[0]
    with Harness() as h:
        kept = {'DEFER_ACCEPT_PORTS': h.env['DEFER_ACCEPT_PORTS'], 'DEFER_ACCEPT_LISTENERS': '99'}
        h.tell(f'exec /usr/bin/env {json.dumps(kept, separators=(",", ":"))} ["env"]')
        out = h.server.communicate(timeout=5)[0].decode()
        result['keeps_ours'] = sorted(out.split())
        result['listeners_rewritten'] = f'DEFER_ACCEPT_LISTENERS={h.hello["fd"]}' in out
    with Harness() as h:
        h.tell('exec /usr/bin/env {"TZ":"UTC"} ["env"]')
        result['other_program'] = h.server.communicate(timeout=5)[0].decode().split()
    return result


def bad_env():
    """Malformed DEFER_ACCEPT_* items: one line each on stderr, the server runs unfiltered."""
    with Harness(env={'DEFER_ACCEPT_PORTS': '1@x,2=httpready;70000@3,4=httpready;99@3,4=nosuchfilter'}) as h:
        h.client()
        time.sleep(0.1)
        got = h.ask('accept')
        return {'unfiltered': got['fd'] >= 0 and got['data'] == '', 'stderr': h.stderr().splitlines()}


CASES = {f.__name__: f for f in (no_data, complete, not_http, partial, eof, no_engine, nonblocking, bind_mode,
                                 dup_close, exec_env, bad_env)}
if __name__ == "__main__":
    print(json.dumps(CASES[sys.argv[1]]()))
