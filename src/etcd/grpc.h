/* SPDX-License-Identifier: Apache-2.0 */
/*
 * grpc.h: gRPC's wire format over HTTP/2, without the transport.
 *
 * A gRPC message on the wire is a 5-byte prefix (1 flag byte: compressed
 * or not; 4 bytes big-endian length) and the protobuf bytes.  The transport
 * (libcurl, src/etcd.c) hands over the response body in pieces of any size,
 * so the deframer is incremental and survives any split, including one in
 * the middle of the prefix.  The call's outcome is in the HTTP/2 trailers:
 * grpc-status (a number) and grpc-message (percent-encoded).
 *
 * Invariants:
 *  - a message with the compressed flag set is rejected (we never offer
 *    compression, and etcd 3.4 has none), as is any flag byte but 0 or 1;
 *  - a message larger than max_msg is rejected before it is buffered;
 *  - a stream that ends inside a prefix or a message is an error
 *    (grpc_deframe_finish), never a short last message.
 */
#ifndef K3SGUARD_GRPC_H
#define K3SGUARD_GRPC_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Status codes we act on (the rest are reported by number and name). */
enum {
	GRPC_OK = 0,
	GRPC_CANCELLED = 1,
	GRPC_UNKNOWN = 2,
	GRPC_INVALID_ARGUMENT = 3,
	GRPC_DEADLINE_EXCEEDED = 4,
	GRPC_NOT_FOUND = 5,
	GRPC_ALREADY_EXISTS = 6,
	GRPC_PERMISSION_DENIED = 7,
	GRPC_RESOURCE_EXHAUSTED = 8,
	GRPC_FAILED_PRECONDITION = 9,
	GRPC_ABORTED = 10,
	GRPC_OUT_OF_RANGE = 11,
	GRPC_UNIMPLEMENTED = 12,
	GRPC_INTERNAL = 13,
	GRPC_UNAVAILABLE = 14,
	GRPC_DATA_LOSS = 15,
	GRPC_UNAUTHENTICATED = 16
};

#define GRPC_PREFIX_LEN 5
#define GRPC_DEFAULT_MAX_MSG (64u << 20)

/*
 * Called once per complete message with its protobuf bytes; the bytes are
 * valid only during the call.  Return 0 to go on, -1 to stop (after
 * error()).
 */
typedef int (*grpc_msg_fn)(void *arg, const unsigned char *msg, size_t len);

struct grpc_deframer {
	grpc_msg_fn fn;
	void *arg;
	size_t max_msg;		/* 0: GRPC_DEFAULT_MAX_MSG */
	unsigned char prefix[GRPC_PREFIX_LEN];
	size_t prefix_len;	/* bytes of the prefix seen so far */
	size_t need;		/* length of the current message */
	struct buf msg;		/* the current message's bytes so far */
	uint64_t nmsgs;		/* messages delivered */
	int failed;		/* a previous feed failed: refuse more */
};

void grpc_deframer_init(struct grpc_deframer *d, grpc_msg_fn fn, void *arg,
    size_t max_msg);
/* Feed n more bytes of the body: 0, or -1 after error() (and for good). */
int grpc_deframe(struct grpc_deframer *d, const void *data, size_t n);
/* The body has ended: 0 when it ended on a message boundary, else -1. */
int grpc_deframe_finish(struct grpc_deframer *d);
/* Free the buffer (wiped: messages may hold secrets). */
void grpc_deframer_release(struct grpc_deframer *d);

/* Append one uncompressed framed message to out. */
void grpc_frame(struct buf *out, const void *msg, size_t len);

/*
 * The value of a grpc-timeout header for ms milliseconds ("1500m"), into
 * out (at least 16 bytes).  gRPC allows at most 8 digits per unit.
 */
void grpc_timeout_value(long ms, char *out, size_t outsz);

/*
 * Percent-decode a grpc-message value (RFC 3986 style %XX; anything else
 * is literal).  Control characters are replaced by '?' so the result is
 * safe in a one-line message.
 */
void grpc_message_decode(const char *in, size_t len, struct buf *out);

/* "PERMISSION_DENIED" etc., or "UNKNOWN_CODE" */
const char *grpc_code_name(int code);

#endif
