// virtio-blk requests: a three-descriptor chain (header the device reads, data, a
// status byte the device writes; a flush has no data), submitted and polled to
// completion. The caller's buffer is handed to the device as it is: the kernel is
// identity-mapped, so its address is physical, and the device needs no alignment.
// A timeout resets the device and leaves the disk dead: a device that may still
// write into a buffer later cannot be trusted with another request.
#include "hw/csr.h"
#include "hw/hw.h"
#include "kernel/abi.h"
#include "hw/virtio_blk.h"

#define VIRTIO_BLK_STATUS_UNSET 0xffu // a device that completes without writing status
#define VIRTIO_BLK_DESC_HEADER 0u
#define VIRTIO_BLK_DESC_DATA 1u
#define VIRTIO_BLK_DESC_STATUS 2u

struct virtio_blk_header {
    u32 type;
    u32 reserved;
    u64 sector;
};
STATIC_ASSERT(sizeof(struct virtio_blk_header) == 16);

// Memory the device reads and writes besides the caller's data. One device, one
// request at a time: static, as hw/ allows.
static struct virtq_memory virtio_blk_queue;
static struct virtio_blk_header virtio_blk_header;
static volatile u8 virtio_blk_status;

i64 virtio_blk_start(struct virtio_blk *b, u64 base, u64 timebase_hz, const char **problem) {
    assert(b != NULL);
    assert(problem != NULL);
    assert(timebase_hz > 0);
    *b = (struct virtio_blk){0};
    i64 result = virtio_mmio_start(&b->device, base, VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_RO,
                                   &virtio_blk_queue, problem);
    if (result < 0) return result;
    if ((b->device.features & VIRTIO_BLK_F_RO) != 0) {
        virtio_mmio_reset(&b->device);
        *problem = "read-only";
        return -E_ROFS;
    }
    b->flush = (b->device.features & VIRTIO_BLK_F_FLUSH) != 0;
    b->sector_count = virtio_mmio_config_u64(&b->device, VIRTIO_BLK_CONFIG_CAPACITY);
    b->timeout_ticks = hw_ns_to_ticks_ceil(VIRTIO_BLK_TIMEOUT_NS, timebase_hz);
    return 0;
}

static void virtio_blk_desc(u32 index, const void *buffer, u32 bytes, u16 flags, u16 next) {
    volatile struct virtq_desc *desc = &virtio_blk_queue.desc[index];
    desc->addr = (u64)(uintptr_t)buffer;
    desc->len = bytes;
    desc->flags = flags;
    desc->next = next;
}

static i64 virtio_blk_fail(struct virtio_blk *b, const char *problem) {
    virtio_mmio_reset(&b->device); // stops all use of the buffers it still holds
    b->broken = true;
    b->problem = problem;
    return -E_IO;
}

// One request: data is NULL for a flush; `to_device` says who reads the data.
static i64 virtio_blk_request(struct virtio_blk *b, u32 type, u64 sector, const u8 *data,
                              u32 bytes, bool to_device) {
    assert(b != NULL);
    assert(!b->broken);
    assert((data == NULL) == (bytes == 0));
    virtio_blk_header = (struct virtio_blk_header){.type = type, .sector = sector};
    virtio_blk_status = VIRTIO_BLK_STATUS_UNSET;
    b->failed_status = VIRTIO_BLK_S_OK;
    b->problem = NULL;
    u16 header_next = data != NULL ? VIRTIO_BLK_DESC_DATA : VIRTIO_BLK_DESC_STATUS;
    virtio_blk_desc(VIRTIO_BLK_DESC_HEADER, &virtio_blk_header, sizeof virtio_blk_header,
                    VIRTQ_DESC_F_NEXT, header_next);
    if (data != NULL) {
        u16 flags = VIRTQ_DESC_F_NEXT | (to_device ? 0 : VIRTQ_DESC_F_WRITE);
        virtio_blk_desc(VIRTIO_BLK_DESC_DATA, data, bytes, flags, VIRTIO_BLK_DESC_STATUS);
    }
    virtio_blk_desc(VIRTIO_BLK_DESC_STATUS, (const void *)&virtio_blk_status, 1,
                    VIRTQ_DESC_F_WRITE, 0);
    virtio_queue_submit(&b->device, VIRTIO_BLK_DESC_HEADER);
    u32 head = 0, written = 0;
    if (virtio_queue_wait(&b->device, b->timeout_ticks, &head, &written) < 0) {
        return virtio_blk_fail(b, "no answer within the timeout (device reset, disk dead)");
    }
    if (head != VIRTIO_BLK_DESC_HEADER) {
        return virtio_blk_fail(b, "the device returned a chain it was never given");
    }
    u8 status = virtio_blk_status;
    if (status != VIRTIO_BLK_S_OK) {
        b->failed_status = status;
        b->problem = status == VIRTIO_BLK_S_IOERR    ? "the device reported an I/O error"
                     : status == VIRTIO_BLK_S_UNSUPP ? "the device does not support the request"
                                                     : "the device wrote no valid status";
        return -E_IO;
    }
    return 0;
}

static i64 virtio_blk_transfer(struct virtio_blk *b, u32 type, u64 sector, const u8 *bytes,
                               u32 sector_count) {
    assert(b != NULL);
    assert(bytes != NULL);
    assert(sector_count <= b->sector_count);
    assert(sector <= b->sector_count - sector_count);
    if (b->broken) return -E_IO;
    while (sector_count > 0) {
        u32 count = sector_count < VIRTIO_BLK_REQUEST_SECTORS_MAX ? sector_count
                                                                   : VIRTIO_BLK_REQUEST_SECTORS_MAX;
        i64 result = virtio_blk_request(b, type, sector, bytes, count * BLOCK_SECTOR_SIZE_BYTES,
                                        type == VIRTIO_BLK_T_OUT);
        if (result < 0) return result;
        sector += count;
        bytes += (u64)count * BLOCK_SECTOR_SIZE_BYTES;
        sector_count -= count;
    }
    return 0;
}

i64 virtio_blk_read(struct virtio_blk *b, u64 sector, u8 *bytes, u32 sector_count) {
    return virtio_blk_transfer(b, VIRTIO_BLK_T_IN, sector, bytes, sector_count);
}

i64 virtio_blk_write(struct virtio_blk *b, u64 sector, const u8 *bytes, u32 sector_count) {
    return virtio_blk_transfer(b, VIRTIO_BLK_T_OUT, sector, bytes, sector_count);
}

i64 virtio_blk_flush(struct virtio_blk *b) {
    assert(b != NULL);
    assert(b->sector_count > 0);
    if (b->broken) return -E_IO;
    if (!b->flush) return 0;
    return virtio_blk_request(b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, false);
}
