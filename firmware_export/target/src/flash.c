#include "flash.h"

#include <string.h>

#include "semihost.h"

static uint8_t mem[FLASH_SIZE] __attribute__((section(".noinit"), aligned(4)));
static int fd = -1;
static uint32_t ops;
static uint32_t cut_at;

static void persist(uint32_t addr, uint32_t n)
{
    if (fd >= 0 && n) {
        semihost_seek(fd, addr);
        semihost_write(fd, mem + addr, n);
    }
}

int flash_open(const char *path)
{
    memset(mem, 0xff, sizeof mem);
    ops = 0;
    if (fd >= 0) {
        semihost_close(fd);
        fd = -1;
    }
    int h = semihost_open(path, SH_MODE_RPB);
    if (h >= 0) {
        if (semihost_flen(h) != (int32_t)FLASH_SIZE || semihost_read(h, mem, FLASH_SIZE) != 0) {
            semihost_close(h);
            memset(mem, 0xff, sizeof mem);
            return -1;
        }
        fd = h;
        return 0;
    }
    h = semihost_open(path, SH_MODE_WPB);
    if (h < 0) {
        return -1;
    }
    fd = h;
    persist(0, FLASH_SIZE);
    return 0;
}

void flash_set_cut(uint32_t n)
{
    cut_at = n;
}

static int next_op_is_cut(void)
{
    ++ops;
    return cut_at != 0u && ops == cut_at;
}

int flash_erase(uint32_t addr)
{
    if (addr % FLASH_SECTOR || addr >= FLASH_SIZE) {
        return -1;
    }
    int cut = next_op_is_cut();
    uint32_t n = cut ? FLASH_SECTOR / 2u : FLASH_SECTOR;
    memset(mem + addr, 0xff, n);
    persist(addr, n);
    if (cut) {
        semihost_exit(FLASH_CUT_STATUS);
    }
    return 0;
}

int flash_write(uint32_t addr, const void *data, uint32_t n)
{
    if (addr > FLASH_SIZE || n > FLASH_SIZE - addr) {
        return -1;
    }
    int cut = next_op_is_cut();
    uint32_t m = cut ? n / 2u : n;
    const uint8_t *p = data;
    for (uint32_t i = 0; i < m; ++i) {
        mem[addr + i] &= p[i];
    }
    persist(addr, m);
    if (cut) {
        semihost_exit(FLASH_CUT_STATUS);
    }
    return 0;
}

const uint8_t *flash_at(uint32_t addr)
{
    return mem + addr;
}

uint32_t flash_ops(void)
{
    return ops;
}
