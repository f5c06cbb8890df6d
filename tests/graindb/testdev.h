// A RAM block device for GrainDB's host tests, with the faults the simulator will
// inject: power loss (each unflushed sector kept, lost or torn), failed writes and
// flushes (Linux semantics: the failed data is dropped from writeback, so a retried
// flush "succeeds" without it), lost and misdirected writes, read errors (latent bad
// sectors and one-off errors) and bit flips on read. Implements platform_block_* for
// struct platform.
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/lib/types.h"

enum crash_mode {
    CRASH_KEEP = 0, // every unflushed sector reached the disk
    CRASH_LOSE,     // none did
    CRASH_TEAR,     // each one: kept, lost, or torn inside the sector (seeded)
    CRASH_MODES_COUNT,
};

#define TESTDEV_LIST_MAX 16

struct platform {
    u64 sector_count;
    u8 *current;   // what reads return
    u8 *durable;   // what survives a power loss
    u8 *dirty;     // per sector: written since the last flush
    bool dead;     // power lost: every call fails until testdev_crash()
    // Counters.
    u64 write_calls, sectors_written, flush_calls, read_calls;
    u64 calls_after_failure; // writes or flushes after a failed write or flush
    bool failure_seen;
    // Faults (-1: off). Indexes count calls from 0 (or sector writes for power_cut).
    i64 power_cut_after_sectors;
    i64 fail_write_call;
    i64 fail_flush_call;
    i64 lose_write_call;      // returns 0, lands nowhere
    i64 lose_writes_from_call; // this write call and every later one: returns 0, lands nowhere
    i64 misdirect_write_call; // lands misdirect_delta sectors away
    i64 misdirect_delta;
    u64 bad_sectors[TESTDEV_LIST_MAX];  // reads fail with -E_IO until rewritten
    u32 bad_sectors_count;
    u64 flip_sectors[TESTDEV_LIST_MAX]; // reads return one bit flipped
    u32 flip_sectors_count;
    u64 flip_once_sectors[TESTDEV_LIST_MAX]; // the next read only (then removed)
    u32 flip_once_sectors_count;
    u64 read_error_once_sectors[TESTDEV_LIST_MAX]; // the next read of it fails (then removed)
    u32 read_error_once_sectors_count;
};

void testdev_init(struct platform *dev, u64 sector_count);
void testdev_free(struct platform *dev);
void testdev_clear_faults(struct platform *dev);
// Power loss now: unflushed sectors are kept, lost or torn; then power comes back.
void testdev_crash(struct platform *dev, enum crash_mode mode, u64 seed);
// Flip a bit of a sector on the durable medium (and in the current view).
void testdev_corrupt(struct platform *dev, u64 sector, u32 byte, u8 mask);
void testdev_copy(struct platform *to, const struct platform *from);
u64 testdev_rand(u64 *state); // splitmix64
