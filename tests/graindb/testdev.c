// See testdev.h.
#include "tests/graindb/testdev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/abi.h"
#include "kernel/platform.h"

#define SECTOR BLOCK_SECTOR_SIZE_BYTES

_Noreturn void platform_panic(const char *file, u32 line, const char *what) {
    fprintf(stderr, "panic at %s:%u: %s\n", file, line, what);
    abort();
}

u64 testdev_rand(u64 *state) {
    u64 z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void testdev_clear_faults(struct platform *dev) {
    dev->power_cut_after_sectors = -1;
    dev->fail_write_call = -1;
    dev->fail_flush_call = -1;
    dev->lose_write_call = -1;
    dev->lose_writes_from_call = -1;
    dev->misdirect_write_call = -1;
    dev->misdirect_delta = 0;
    dev->bad_sectors_count = 0;
    dev->flip_sectors_count = 0;
    dev->flip_once_sectors_count = 0;
    dev->read_error_once_sectors_count = 0;
}

static void reset_counters(struct platform *dev) {
    dev->write_calls = dev->sectors_written = dev->flush_calls = dev->read_calls = 0;
    dev->calls_after_failure = 0;
    dev->failure_seen = false;
    dev->dead = false;
}

void testdev_init(struct platform *dev, u64 sector_count) {
    memset(dev, 0, sizeof(*dev));
    dev->sector_count = sector_count;
    dev->current = calloc(sector_count, SECTOR);
    dev->durable = calloc(sector_count, SECTOR);
    dev->dirty = calloc(sector_count, 1);
    if (!dev->current || !dev->durable || !dev->dirty) abort();
    testdev_clear_faults(dev);
    reset_counters(dev);
}

void testdev_free(struct platform *dev) {
    free(dev->current);
    free(dev->durable);
    free(dev->dirty);
    memset(dev, 0, sizeof(*dev));
}

void testdev_copy(struct platform *to, const struct platform *from) {
    testdev_init(to, from->sector_count);
    memcpy(to->current, from->current, from->sector_count * SECTOR);
    memcpy(to->durable, from->durable, from->sector_count * SECTOR);
    memcpy(to->dirty, from->dirty, from->sector_count);
}

void testdev_crash(struct platform *dev, enum crash_mode mode, u64 seed) {
    u64 state = seed;
    for (u64 s = 0; s < dev->sector_count; s++) {
        if (!dev->dirty[s]) continue;
        u8 *to = dev->durable + s * SECTOR;
        const u8 *from = dev->current + s * SECTOR;
        u64 draw = testdev_rand(&state) % 3;
        if (mode == CRASH_KEEP || (mode == CRASH_TEAR && draw == 0)) memcpy(to, from, SECTOR);
        if (mode == CRASH_TEAR && draw == 2) {
            u64 cut = 1 + testdev_rand(&state) % (SECTOR - 1);
            memcpy(to, from, cut);
        }
        dev->dirty[s] = 0;
    }
    memcpy(dev->current, dev->durable, dev->sector_count * SECTOR);
    reset_counters(dev);
    dev->power_cut_after_sectors = -1; // power came back
}

void testdev_corrupt(struct platform *dev, u64 sector, u32 byte, u8 mask) {
    dev->durable[sector * SECTOR + byte] ^= mask;
    dev->current[sector * SECTOR + byte] ^= mask;
}

u64 platform_block_sector_count(struct platform *p) { return p->sector_count; }

static bool listed(const u64 *list, u32 count, u64 sector) {
    for (u32 i = 0; i < count; i++) {
        if (list[i] == sector) return true;
    }
    return false;
}

i64 platform_block_read(struct platform *p, u64 sector, u8 *bytes, u32 sector_count) {
    p->read_calls++;
    if (p->dead) return -E_IO;
    if (sector > p->sector_count || sector_count > p->sector_count - sector) return -E_INVAL;
    for (u32 i = 0; i < sector_count; i++) {
        if (listed(p->bad_sectors, p->bad_sectors_count, sector + i)) return -E_IO;
    }
    for (u32 j = 0; j < p->read_error_once_sectors_count; j++) {
        u64 once = p->read_error_once_sectors[j];
        if (once < sector || once - sector >= sector_count) continue;
        p->read_error_once_sectors[j] = p->read_error_once_sectors[--p->read_error_once_sectors_count];
        return -E_IO;
    }
    memcpy(bytes, p->current + sector * SECTOR, (size_t)sector_count * SECTOR);
    for (u32 i = 0; i < sector_count; i++) {
        if (listed(p->flip_sectors, p->flip_sectors_count, sector + i)) bytes[i * SECTOR + 77] ^= 0x10;
        for (u32 j = 0; j < p->flip_once_sectors_count; j++) {
            if (p->flip_once_sectors[j] != sector + i) continue;
            bytes[i * SECTOR + 77] ^= 0x10;
            p->flip_once_sectors[j--] = p->flip_once_sectors[--p->flip_once_sectors_count];
        }
    }
    return 0;
}

static void land(struct platform *p, u64 sector, const u8 *bytes) {
    memcpy(p->current + sector * SECTOR, bytes, SECTOR);
    p->dirty[sector] = 1;
    // A latent sector error lasts until the sector is rewritten.
    for (u32 i = 0; i < p->bad_sectors_count; i++) {
        if (p->bad_sectors[i] == sector) p->bad_sectors[i--] = p->bad_sectors[--p->bad_sectors_count];
    }
}

i64 platform_block_write(struct platform *p, u64 sector, const u8 *bytes, u32 sector_count) {
    i64 call = (i64)p->write_calls++;
    if (p->failure_seen) p->calls_after_failure++;
    if (p->dead) return -E_IO;
    if (sector > p->sector_count || sector_count > p->sector_count - sector) return -E_INVAL;
    if (call == p->fail_write_call) {
        p->failure_seen = true;
        return -E_IO;
    }
    if (call == p->lose_write_call) return 0;
    if (p->lose_writes_from_call >= 0 && call >= p->lose_writes_from_call) return 0;
    u64 target = sector;
    if (call == p->misdirect_write_call) target = sector + (u64)p->misdirect_delta;
    for (u32 i = 0; i < sector_count; i++) {
        if (p->power_cut_after_sectors >= 0 && (i64)p->sectors_written >= p->power_cut_after_sectors) {
            p->dead = true;
            return -E_IO;
        }
        if (target + i < p->sector_count) land(p, target + i, bytes + (u64)i * SECTOR);
        p->sectors_written++;
    }
    return 0;
}

i64 platform_block_flush(struct platform *p) {
    i64 call = (i64)p->flush_calls++;
    if (p->failure_seen) p->calls_after_failure++;
    if (p->dead) return -E_IO;
    bool fail = call == p->fail_flush_call;
    for (u64 s = 0; s < p->sector_count; s++) {
        if (!p->dirty[s]) continue;
        // A failed flush drops the data from writeback without making it durable.
        if (!fail) memcpy(p->durable + s * SECTOR, p->current + s * SECTOR, SECTOR);
        p->dirty[s] = 0;
    }
    if (fail) {
        p->failure_seen = true;
        return -E_IO;
    }
    return 0;
}
