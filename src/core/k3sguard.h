/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k3sguard.h: the one header every source file includes first.
 * It pulls in libc, the shared concerns and, last, banned.h: include
 * other system headers after it only if they have no inline string code.
 */
#ifndef K3SGUARD_H
#define K3SGUARD_H

/* libc headers with fortified inline functions come before banned.h */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/util.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/options.h"

#define K3SGUARD_VERSION "0.1.0"

/* Global options, set by main and by every command's option parser. */

#include "core/banned.h"

#endif
