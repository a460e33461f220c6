/* Arm semihosting (BKPT 0xAB), as qemu implements it with
 * `-semihosting-config enable=on,target=native`: exit with a status, and
 * host file access (used for the persistent emulated flash). */
#ifndef SS_TARGET_SEMIHOST_H
#define SS_TARGET_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

__attribute__((noreturn)) void semihost_exit(int status);

/* Modes of SYS_OPEN (fopen strings "rb", "r+b", "w+b"). */
enum { SH_MODE_RB = 1, SH_MODE_RPB = 3, SH_MODE_WPB = 7 };

/* Returns a handle >= 0 or -1. */
int semihost_open(const char *path, int mode);
int semihost_close(int fd);
/* Return the number of bytes NOT transferred (0 on success). */
size_t semihost_write(int fd, const void *buf, size_t n);
size_t semihost_read(int fd, void *buf, size_t n);
int semihost_seek(int fd, uint32_t pos);
/* File length or -1. */
int32_t semihost_flen(int fd);

/* The command line qemu passes (`-semihosting-config ...,arg=A,arg=B` gives
 * "A B"); 0 and a NUL-terminated string, or -1. */
int semihost_cmdline(char *buf, size_t size);
/* The decimal number at the start of a command-line value (0 if none). */
uint32_t cmdline_u32(const char *s);

#endif
