/*
 * memfd-token.h: hand a token to a program we exec without disk, argv or
 * environment: a sealed memfd that stays open across exec and that the
 * program reads as a file, /proc/self/fd/N.
 *
 * Invariants:
 *  - the memfd is created without MFD_CLOEXEC (it must survive exec) and
 *    sealed (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL): once
 *    handed over, nobody can change the token it holds;
 *  - its content is the token and one "\n" (K3s trims whitespace);
 *  - nothing here keeps a copy of the token.
 */
#ifndef K3SGUARD_MEMFD_TOKEN_H
#define K3SGUARD_MEMFD_TOKEN_H

#include <stddef.h>

/* The memfd's fd (>= 3), or -1 after error(). */
int memfd_token(const char *token, size_t len);

/* "/proc/self/fd/N" for fd into out (at least 32 bytes). */
void memfd_token_path(int fd, char *out, size_t outlen);

#endif
