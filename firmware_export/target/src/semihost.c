#include "semihost.h"

#include <string.h>

#define SYS_OPEN 0x01u
#define SYS_CLOSE 0x02u
#define SYS_WRITE 0x05u
#define SYS_READ 0x06u
#define SYS_SEEK 0x0au
#define SYS_FLEN 0x0cu
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int32_t semihost_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm("r0") = op;
    register const void *r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

void semihost_exit(int status)
{
    const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
    semihost_call(SYS_EXIT_EXTENDED, block);
    for (;;) {
    }
}

int semihost_open(const char *path, int mode)
{
    const uint32_t block[3] = {(uint32_t)(uintptr_t)path, (uint32_t)mode, (uint32_t)strlen(path)};
    return semihost_call(SYS_OPEN, block);
}

int semihost_close(int fd)
{
    const uint32_t block[1] = {(uint32_t)fd};
    return semihost_call(SYS_CLOSE, block);
}

size_t semihost_write(int fd, const void *buf, size_t n)
{
    const uint32_t block[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)n};
    return (size_t)semihost_call(SYS_WRITE, block);
}

size_t semihost_read(int fd, void *buf, size_t n)
{
    const uint32_t block[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)n};
    return (size_t)semihost_call(SYS_READ, block);
}

int semihost_seek(int fd, uint32_t pos)
{
    const uint32_t block[2] = {(uint32_t)fd, pos};
    return semihost_call(SYS_SEEK, block);
}

int32_t semihost_flen(int fd)
{
    const uint32_t block[1] = {(uint32_t)fd};
    return semihost_call(SYS_FLEN, block);
}

int semihost_cmdline(char *buf, size_t size)
{
    uint32_t block[2] = {(uint32_t)(uintptr_t)buf, (uint32_t)size};
    return semihost_call(0x15u, block) == 0 ? 0 : -1;
}

uint32_t cmdline_u32(const char *s)
{
    uint32_t v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10u + (uint32_t)(*s++ - '0');
    }
    return v;
}
