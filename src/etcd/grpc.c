/* SPDX-License-Identifier: Apache-2.0 */
/*
 * grpc.c: gRPC framing, the incremental deframer, and trailer values.
 * See grpc.h for the invariants.
 */
#include "core/k3sguard.h"
#include "etcd/grpc.h"
#include "core/util.h"

#include <stdio.h>
#include <string.h>

void
grpc_deframer_init(struct grpc_deframer *d, grpc_msg_fn fn, void *arg,
    size_t max_msg)
{
	memset(d, 0, sizeof(*d));
	d->fn = fn;
	d->arg = arg;
	d->max_msg = max_msg ? max_msg : GRPC_DEFAULT_MAX_MSG;
	buf_init(&d->msg);
}

void
grpc_deframer_release(struct grpc_deframer *d)
{
	buf_wipe(&d->msg);
	d->prefix_len = 0;
	d->need = 0;
}

/* The prefix is complete: check the flag and the length. */
static int
start_message(struct grpc_deframer *d)
{
	const unsigned char *p = d->prefix;
	uint32_t len = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 8 | (uint32_t)p[4];

	if (p[0] == 1)
		return error("grpc: message %llu is compressed, which was not "
		    "negotiated", (unsigned long long)d->nmsgs + 1);
	if (p[0] != 0)
		return error("grpc: message %llu has an invalid flag byte 0x%02x",
		    (unsigned long long)d->nmsgs + 1, p[0]);
	if (len > d->max_msg)
		return error("grpc: message %llu is %lu bytes, more than the "
		    "limit of %zu", (unsigned long long)d->nmsgs + 1,
		    (unsigned long)len, d->max_msg);
	d->need = len;
	buf_reset(&d->msg);
	return 0;
}

static int
deliver(struct grpc_deframer *d, const unsigned char *msg, size_t len)
{
	d->nmsgs++;
	d->prefix_len = 0;
	d->need = 0;
	return d->fn ? d->fn(d->arg, msg, len) : 0;
}

int
grpc_deframe(struct grpc_deframer *d, const void *data, size_t n)
{
	const unsigned char *p = data;

	if (d->failed)
		return error("grpc: stream already failed");
	while (n > 0) {
		if (d->prefix_len < GRPC_PREFIX_LEN) {
			size_t take = GRPC_PREFIX_LEN - d->prefix_len;

			if (take > n)
				take = n;
			memcpy(d->prefix + d->prefix_len, p, take);
			d->prefix_len += take;
			p += take;
			n -= take;
			if (d->prefix_len < GRPC_PREFIX_LEN)
				break;
			if (start_message(d) < 0)
				goto fail;
			if (d->need == 0) {
				if (deliver(d, (const unsigned char *)"", 0) < 0)
					goto fail;
				continue;
			}
		}
		/* a whole message in this piece: no copy */
		if (d->msg.len == 0 && n >= d->need) {
			size_t len = d->need;

			if (deliver(d, p, len) < 0)
				goto fail;
			p += len;
			n -= len;
			continue;
		}
		size_t take = d->need - d->msg.len;

		if (take > n)
			take = n;
		/*
		 * memory follows the bytes received, not the length claimed
		 * (a peer that claims 64 MiB and sends ten bytes costs ten);
		 * each larger block is fresh and the old one wiped
		 */
		buf_grow_secret(&d->msg, take);
		buf_add(&d->msg, p, take);
		p += take;
		n -= take;
		if (d->msg.len == d->need) {
			int r = deliver(d, (const unsigned char *)d->msg.s,
			    d->msg.len);

			buf_reset(&d->msg);
			if (r < 0)
				goto fail;
		}
	}
	return 0;
fail:
	d->failed = 1;
	return -1;
}

int
grpc_deframe_finish(struct grpc_deframer *d)
{
	if (d->failed)
		return -1;
	if (d->prefix_len == 0)
		return 0;
	if (d->prefix_len < GRPC_PREFIX_LEN)
		return error("grpc: stream ended inside a message prefix "
		    "(%zu of 5 bytes)", d->prefix_len);
	return error("grpc: stream ended inside message %llu (%zu of %zu bytes)",
	    (unsigned long long)d->nmsgs + 1, d->msg.len, d->need);
}

void
grpc_frame(struct buf *out, const void *msg, size_t len)
{
	unsigned char p[GRPC_PREFIX_LEN];

	if (len > UINT32_MAX)
		fatal("grpc: message of %zu bytes cannot be framed", len);
	p[0] = 0;
	p[1] = (unsigned char)(len >> 24);
	p[2] = (unsigned char)(len >> 16);
	p[3] = (unsigned char)(len >> 8);
	p[4] = (unsigned char)len;
	buf_add(out, p, sizeof(p));
	buf_add(out, msg, len);
}

void
grpc_timeout_value(long ms, char *out, size_t outsz)
{
	if (ms < 1)
		ms = 1;
	if (ms <= 99999999L)
		snprintf(out, outsz, "%ldm", ms);
	else
		snprintf(out, outsz, "%ldS", ms / 1000 > 99999999L ?
		    99999999L : ms / 1000);
}

void
grpc_message_decode(const char *in, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)in[i];

		if (c == '%' && i + 2 < len && hex_digit(in[i + 1]) >= 0 &&
		    hex_digit(in[i + 2]) >= 0) {
			c = hex_digit(in[i + 1]) << 4 | hex_digit(in[i + 2]);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			c = '?';
		buf_addch(out, c);
	}
}

const char *
grpc_code_name(int code)
{
	static const char *const names[] = {
		"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
		"DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
		"PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
		"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
		"UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"
	};

	if (code < 0 || (size_t)code >= ARRAY_SIZE(names))
		return "UNKNOWN_CODE";
	return names[code];
}
