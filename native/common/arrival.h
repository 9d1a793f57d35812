/*
 * A connection the server's accept just took, in the preload and in the launcher alike: whether it
 * is the engine's wake-up, else its verdict (counted); for MORE, the hand-off to the engine; and
 * a ready connection the engine gives back.
 */
#ifndef DA_ARRIVAL_H
#define DA_ARRIVAL_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "chain.h"
#include "page.h"

/* The connection is the engine's wake-up: its first bytes are the page's token. */
#define DA_WAKE_UP (-1)

/* peeked/n/err: one recv(MSG_PEEK | MSG_DONTWAIT) into peek_size bytes. DA_WAKE_UP, or the
 * verdict of da_look() with the connection counted as accepted. */
int da_arrival(const struct da_chain *chain, struct da_page *page, const uint8_t *peeked, ssize_t n,
	       int err, size_t peek_size);

/* The chain said MORE: "P" and the socket to the engine on channel. 0: the engine has it (or,
 * when no engine can take it and the page says drop, nobody will): the caller closes its copy.
 * 1: no engine could take it and the page says pass: the caller hands it over now. Counted. */
int da_park_send(int channel, struct da_page *page, int sock);

/*
 * "Ready" message (engine -> server, one SEQPACKET message per connection): the peer's struct
 * sockaddr_in or sockaddr_in6 as payload, its length the message's; SCM_RIGHTS, one descriptor:
 * the connected TCP socket, every byte still unread. Takes one from channel, in the mode flags
 * ask for (accept4's SOCK_NONBLOCK | SOCK_CLOEXEC), its peer in *peer / *peerlen. Returns the
 * socket, -EAGAIN when none is there, -EPIPE when the other end closed (nothing will come), or
 * a negative errno. Descriptors are closed with the system call itself: the preload's close()
 * is its own.
 */
int da_take_ready(int channel, struct sockaddr_storage *peer, socklen_t *peerlen, int flags);

#endif
