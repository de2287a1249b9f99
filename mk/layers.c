/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mk/layers.c: the program that links every library object without the
 * command code (Makefile target "layers").  It runs nothing: if it links,
 * no library depends on src/cmd/ or src/main.c.
 */
int main(void);

int
main(void)
{
	return 0;
}
