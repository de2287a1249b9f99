/* SPDX-License-Identifier: Apache-2.0 */
/*
 * escape.h: node-supplied text made safe for one output format.
 *
 * Anything that came from a node (evidence, paths, option values, the K3s
 * version, a host name) may hold any byte.  Every renderer passes every
 * such string through esc_add() (or esc_ring()) with its format, at one
 * place in the renderer, so that:
 *  - ESC_TEXT (a terminal): no byte below 0x20, no DEL, no C1 control, no
 *    invalid UTF-8 and no bidirectional or line-separator control reaches
 *    the output; they appear as \n \r \t \xNN \uNNNN, so a value cannot
 *    start a line of its own nor move the cursor;
 *  - ESC_MARKUP (XML 1.0 and HTML, text and attribute values): the same
 *    visible escapes for controls (and for U+FFFE, U+FFFF), & < > " ' as
 *    entities, and invalid UTF-8 replaced by U+FFFD: the output is always
 *    well-formed UTF-8 XML;
 *  - ESC_PROM (a Prometheus exposition label value): UTF-8 with invalid
 *    bytes replaced by U+FFFD, \ " and newline escaped as the format says
 *    (\\ \" \n), other controls shown as the text \xNN;
 *  - ESC_UTF8 (JSON through jansson, which escapes controls itself): only
 *    invalid UTF-8 replaced by U+FFFD, so json_string() never fails.
 * Invalid UTF-8 is replaced per "maximal subpart" (Unicode 15, 3.9; what
 * Python's errors="replace" does): one U+FFFD per broken sequence.
 */
#ifndef K3SGUARD_ESCAPE_H
#define K3SGUARD_ESCAPE_H

#include <stdio.h>

#include "core/buf.h"

enum esc_to { ESC_TEXT, ESC_MARKUP, ESC_PROM, ESC_UTF8 };

/* Append s, escaped for to, to b. */
void esc_add(struct buf *b, const char *s, enum esc_to to);
/* Write s, escaped for to, to out. */
void esc_fputs(const char *s, enum esc_to to, FILE *out);

/*
 * A few escaped strings alive at once, for one printf line: esc_ring()
 * returns s escaped, valid until ESC_RING more calls on the same ring.
 */
#define ESC_RING 8
struct esc_ring {
	enum esc_to to;
	unsigned next;
	struct buf b[ESC_RING];
};
void esc_ring_init(struct esc_ring *r, enum esc_to to);
const char *esc_ring(struct esc_ring *r, const char *s);
void esc_ring_release(struct esc_ring *r);

#endif
