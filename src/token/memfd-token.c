/* memfd-token.c: see memfd-token.h. */
#include "core/k3sguard.h"
#include "token/memfd-token.h"

#include <sys/mman.h>

#ifndef F_ADD_SEALS
#define F_ADD_SEALS	1033
#define F_SEAL_SEAL	0x0001
#define F_SEAL_SHRINK	0x0002
#define F_SEAL_GROW	0x0004
#define F_SEAL_WRITE	0x0008
#endif

int
memfd_token(const char *token, size_t len)
{
	int fd = memfd_create("k3s-token", MFD_ALLOW_SEALING);

	if (fd < 0)
		return error_errno("cannot create a memfd for the token");
	if (write_all(fd, token, len) < 0 || write_all(fd, "\n", 1) < 0) {
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		error_errno("cannot seal the token memfd");
		close(fd);
		return -1;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		error_errno("cannot rewind the token memfd");
		close(fd);
		return -1;
	}
	return fd;
}

void
memfd_token_path(int fd, char *out, size_t outlen)
{
	snprintf(out, outlen, "/proc/self/fd/%d", fd);
}
