// The virtio block device (virtio 1.x section 5.2) on the MMIO transport: one
// request at a time, polled to completion, so the kernel sees a synchronous disk.
#pragma once

#include "hw/virtio.h"

#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)
#define VIRTIO_BLK_CONFIG_CAPACITY 0u // le64, in 512-byte sectors whatever blk_size says

#define VIRTIO_BLK_T_IN 0u
#define VIRTIO_BLK_T_OUT 1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_S_OK 0u
#define VIRTIO_BLK_S_IOERR 1u
#define VIRTIO_BLK_S_UNSUPP 2u

// Larger transfers are split: a bound any device's segment limits leave room for.
#define VIRTIO_BLK_REQUEST_SECTORS_MAX 256u
// One request, flush included, must complete within this; then the disk is dead.
#define VIRTIO_BLK_TIMEOUT_NS (30ull * 1000000000ull)

struct virtio_blk {
    struct virtio_device device;
    u64 sector_count;
    bool flush;           // VIRTIO_BLK_F_FLUSH negotiated: FLUSH requests make writes durable
    bool broken;          // a request timed out or the device failed: all later requests fail
    u64 timeout_ticks;
    const char *problem;  // why the last request failed (for the boot log), or NULL
    u32 failed_status;    // the status byte of the last request, when not OK (else 0)
};

// Starts the block device at `base` (a slot virtio_mmio_identify found with device
// id 2). 0; -E_ROFS for a read-only device (left reset); -E_IO with *problem.
i64 virtio_blk_start(struct virtio_blk *b, u64 base, u64 timebase_hz, const char **problem);

// Whole sectors, inside the device (the caller checked the range). 0 or -E_IO.
i64 virtio_blk_read(struct virtio_blk *b, u64 sector, u8 *bytes, u32 sector_count);
i64 virtio_blk_write(struct virtio_blk *b, u64 sector, const u8 *bytes, u32 sector_count);
// 0 at once when the device has no FLUSH command (it is then taken as write-through).
i64 virtio_blk_flush(struct virtio_blk *b);
