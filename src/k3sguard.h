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

#include "util.h"
#include "buf.h"
#include "file.h"

#define K3SGUARD_VERSION "0.1.0"

/* Global options, set by main and by every command's option parser. */
extern const char *opt_k3s_bin;		/* --k3s-bin, default /usr/local/bin/k3s */
extern const char *opt_data_dir;	/* --data-dir override, NULL = from K3s config */
extern const char *opt_config;		/* --config, k3sguard's own config file */

#include "banned.h"

#endif
