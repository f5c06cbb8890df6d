// The virtio-mmio transport: identifying a slot, the initialization sequence of
// section 3.1.1 for both register layouts, configuration reads, and one polled
// split virtqueue. The device-specific part (block requests) is virtio_blk.c.
#include "hw/csr.h"
#include "kernel/abi.h"
#include "kernel/lib/mem.h"
#include "hw/virtio.h"

// A device that never clears its status after a reset, or keeps changing its
// configuration, is given up on after this many register reads.
#define VIRTIO_RESET_POLLS_MAX 100000u
#define VIRTIO_CONFIG_READS_MAX 64u
// While waiting for the used ring, the status register is read every so many
// polls: a device that set DEVICE_NEEDS_RESET will never answer, so stop early.
#define VIRTIO_STATUS_POLL_INTERVAL 4096u
#define VIRTIO_PFN_MAX 0xffffffffull
// The time CSR bounds every wait; this bounds it again should the clock not move
// (about four minutes of polling at QEMU's speed, far past any timeout we set).
#define VIRTIO_WAIT_POLLS_MAX (1ull << 32)

static volatile u32 *virtio_register(u64 base, u32 offset) {
    return (volatile u32 *)(uintptr_t)(base + offset);
}

static u32 virtio_read(u64 base, u32 offset) {
    return *virtio_register(base, offset);
}

static void virtio_write(u64 base, u32 offset, u32 value) {
    *virtio_register(base, offset) = value;
}

bool virtio_mmio_identify(u64 base, u32 *version, u32 *device_id) {
    assert(version != NULL);
    assert(device_id != NULL);
    assert(base != 0);
    assert(base % 4u == 0);
    if (virtio_read(base, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC) return false;
    *version = virtio_read(base, VIRTIO_MMIO_VERSION);
    *device_id = virtio_read(base, VIRTIO_MMIO_DEVICE_ID);
    if (*version != VIRTIO_MMIO_VERSION_LEGACY && *version != VIRTIO_MMIO_VERSION_MODERN) {
        return false;
    }
    return *device_id != VIRTIO_DEVICE_ID_NONE;
}

u32 virtio_mmio_status(const struct virtio_device *d) {
    assert(d != NULL);
    assert(d->base != 0);
    return virtio_read(d->base, VIRTIO_MMIO_STATUS);
}

void virtio_mmio_reset(const struct virtio_device *d) {
    assert(d != NULL);
    assert(d->base != 0);
    virtio_fence();
    virtio_write(d->base, VIRTIO_MMIO_STATUS, 0);
    // Modern devices may take time to finish the reset; the driver waits for 0.
    for (u32 poll = 0; poll < VIRTIO_RESET_POLLS_MAX; poll++) {
        if (virtio_mmio_status(d) == 0) break;
    }
}

static void virtio_status_add(const struct virtio_device *d, u32 bits) {
    virtio_write(d->base, VIRTIO_MMIO_STATUS, virtio_mmio_status(d) | bits);
}

static u64 virtio_device_features(u64 base) {
    virtio_write(base, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    u64 low = virtio_read(base, VIRTIO_MMIO_DEVICE_FEATURES);
    virtio_write(base, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    u64 high = virtio_read(base, VIRTIO_MMIO_DEVICE_FEATURES);
    return high << 32 | low;
}

// Section 3.1.1 steps 4-6. A legacy device has no FEATURES_OK handshake and must
// not be offered VIRTIO_F_VERSION_1; a modern one requires it.
static i64 virtio_negotiate(struct virtio_device *d, u64 wanted, const char **problem) {
    d->device_features = virtio_device_features(d->base);
    d->features = d->device_features & wanted & ~VIRTIO_F_VERSION_1;
    if (d->version == VIRTIO_MMIO_VERSION_MODERN) {
        if ((d->device_features & VIRTIO_F_VERSION_1) == 0) {
            *problem = "version 2 registers without VIRTIO_F_VERSION_1";
            return -E_IO;
        }
        d->features |= VIRTIO_F_VERSION_1;
    } else {
        d->features &= 0xffffffffull; // legacy feature words beyond the first are zero
    }
    virtio_write(d->base, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    virtio_write(d->base, VIRTIO_MMIO_DRIVER_FEATURES, (u32)d->features);
    virtio_write(d->base, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    virtio_write(d->base, VIRTIO_MMIO_DRIVER_FEATURES, (u32)(d->features >> 32));
    if (d->version == VIRTIO_MMIO_VERSION_LEGACY) return 0;
    virtio_status_add(d, VIRTIO_STATUS_FEATURES_OK);
    if ((virtio_mmio_status(d) & VIRTIO_STATUS_FEATURES_OK) == 0) {
        *problem = "the device refused the features (FEATURES_OK not kept)";
        return -E_IO;
    }
    return 0;
}

static void virtio_write_address(u64 base, u32 low_offset, u64 pa) {
    virtio_write(base, low_offset, (u32)pa);
    virtio_write(base, low_offset + 4u, (u32)(pa >> 32));
}

// Queue d->queue_index on d->queue, in the slot's own layout (section 4.2.3.2, and 4.2.4 for
// legacy: one page frame number, the used ring at the next QueueAlign boundary).
static i64 virtio_queue_setup(struct virtio_device *d, const char **problem) {
    u64 pa = (u64)(uintptr_t)d->queue;
    assert(pa % VIRTIO_PAGE_BYTES == 0);
    virtio_write(d->base, VIRTIO_MMIO_QUEUE_SEL, d->queue_index);
    u32 in_use = d->version == VIRTIO_MMIO_VERSION_LEGACY
                     ? virtio_read(d->base, VIRTIO_MMIO_LEGACY_QUEUE_PFN)
                     : virtio_read(d->base, VIRTIO_MMIO_QUEUE_READY);
    if (in_use != 0) {
        *problem = "a queue already in use after a reset";
        return -E_IO;
    }
    if (virtio_read(d->base, VIRTIO_MMIO_QUEUE_NUM_MAX) < VIRTIO_QUEUE_SIZE) {
        *problem = "a queue is missing or smaller than 8 entries";
        return -E_IO;
    }
    virtio_write(d->base, VIRTIO_MMIO_QUEUE_NUM, VIRTIO_QUEUE_SIZE);
    if (d->version == VIRTIO_MMIO_VERSION_LEGACY) {
        if (pa / VIRTIO_PAGE_BYTES > VIRTIO_PFN_MAX) {
            *problem = "queue memory beyond a legacy page frame number";
            return -E_IO;
        }
        virtio_write(d->base, VIRTIO_MMIO_LEGACY_QUEUE_ALIGN, VIRTIO_PAGE_BYTES);
        virtio_write(d->base, VIRTIO_MMIO_LEGACY_QUEUE_PFN, (u32)(pa / VIRTIO_PAGE_BYTES));
        return 0;
    }
    virtio_write_address(d->base, VIRTIO_MMIO_QUEUE_DESC_LOW, (u64)(uintptr_t)d->queue->desc);
    virtio_write_address(d->base, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (u64)(uintptr_t)&d->queue->avail);
    virtio_write_address(d->base, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (u64)(uintptr_t)&d->queue->used);
    virtio_write(d->base, VIRTIO_MMIO_QUEUE_READY, 1);
    return 0;
}

i64 virtio_mmio_begin(struct virtio_device *d, u64 base, u64 wanted, struct virtq_memory *queue,
                      const char **problem) {
    assert(d != NULL);
    assert(queue != NULL);
    assert(problem != NULL);
    assert(base != 0);
    u32 version = 0, device_id = 0;
    *problem = NULL;
    if (!virtio_mmio_identify(base, &version, &device_id)) {
        *problem = "no virtio device answers there";
        return -E_IO;
    }
    mem_set(queue, 0, sizeof *queue);
    queue->avail.flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    *d = (struct virtio_device){.base = base, .version = version, .device_id = device_id,
                                .queue = queue};
    virtio_mmio_reset(d);
    if (virtio_mmio_status(d) != 0) {
        *problem = "the device did not reset";
        return -E_IO;
    }
    virtio_status_add(d, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_status_add(d, VIRTIO_STATUS_DRIVER);
    i64 result = virtio_negotiate(d, wanted, problem);
    if (result == 0 && version == VIRTIO_MMIO_VERSION_LEGACY) {
        virtio_write(base, VIRTIO_MMIO_LEGACY_GUEST_PAGE_SIZE, VIRTIO_PAGE_BYTES);
    }
    if (result == 0) result = virtio_queue_setup(d, problem);
    if (result < 0) virtio_status_add(d, VIRTIO_STATUS_FAILED);
    return result;
}

i64 virtio_mmio_queue_add(const struct virtio_device *d, struct virtio_device *other, u32 index,
                          struct virtq_memory *queue, const char **problem) {
    assert(d != NULL);
    assert(other != NULL);
    assert(queue != NULL);
    assert(index > 0);
    mem_set(queue, 0, sizeof *queue);
    queue->avail.flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    *other = *d;
    other->queue = queue;
    other->queue_index = index;
    other->avail_idx = 0;
    other->used_idx = 0;
    i64 result = virtio_queue_setup(other, problem);
    if (result < 0) virtio_status_add(d, VIRTIO_STATUS_FAILED);
    return result;
}

void virtio_mmio_driver_ok(const struct virtio_device *d) {
    assert(d != NULL);
    assert(d->base != 0);
    virtio_fence();
    virtio_status_add(d, VIRTIO_STATUS_DRIVER_OK);
}

i64 virtio_mmio_start(struct virtio_device *d, u64 base, u64 wanted, struct virtq_memory *queue,
                      const char **problem) {
    assert(d != NULL);
    assert(problem != NULL);
    i64 result = virtio_mmio_begin(d, base, wanted, queue, problem);
    if (result < 0) return result;
    virtio_mmio_driver_ok(d);
    return 0;
}

u64 virtio_mmio_config_u64(const struct virtio_device *d, u32 offset) {
    assert(d != NULL);
    assert(d->base != 0);
    assert(offset % 4u == 0);
    u64 base = d->base + VIRTIO_MMIO_CONFIG + offset;
    u64 value = 0;
    for (u32 attempt = 0; attempt < VIRTIO_CONFIG_READS_MAX; attempt++) {
        u32 generation = d->version == VIRTIO_MMIO_VERSION_MODERN
                             ? virtio_read(d->base, VIRTIO_MMIO_CONFIG_GENERATION) : 0;
        u64 low = virtio_read(base, 0), high = virtio_read(base, 4);
        value = high << 32 | low;
        if (d->version == VIRTIO_MMIO_VERSION_LEGACY ||
            generation == virtio_read(d->base, VIRTIO_MMIO_CONFIG_GENERATION)) {
            break;
        }
    }
    return value;
}

void virtio_mmio_config_bytes(const struct virtio_device *d, u32 offset, u8 *bytes, u32 count) {
    assert(d != NULL);
    assert(bytes != NULL);
    assert(count <= VIRTIO_CONFIG_BYTES_MAX);
    volatile const u8 *config = (volatile const u8 *)(uintptr_t)(d->base + VIRTIO_MMIO_CONFIG);
    for (u32 attempt = 0; attempt < VIRTIO_CONFIG_READS_MAX; attempt++) {
        u32 generation = d->version == VIRTIO_MMIO_VERSION_MODERN
                             ? virtio_read(d->base, VIRTIO_MMIO_CONFIG_GENERATION) : 0;
        for (u32 i = 0; i < count; i++) bytes[i] = config[offset + i];
        if (d->version == VIRTIO_MMIO_VERSION_LEGACY ||
            generation == virtio_read(d->base, VIRTIO_MMIO_CONFIG_GENERATION)) {
            break;
        }
    }
}

void virtio_queue_submit(struct virtio_device *d, u16 head) {
    assert(d != NULL);
    assert(d->queue != NULL);
    assert(head < VIRTIO_QUEUE_SIZE);
    volatile struct virtq_avail *avail = &d->queue->avail;
    avail->ring[d->avail_idx % VIRTIO_QUEUE_SIZE] = head;
    virtio_fence(); // the descriptors and the ring entry before the index
    d->avail_idx++;
    avail->idx = d->avail_idx;
    virtio_fence(); // the index before the notification
    virtio_write(d->base, VIRTIO_MMIO_QUEUE_NOTIFY, d->queue_index);
}

bool virtio_queue_poll(struct virtio_device *d, u32 *head, u32 *written) {
    assert(d != NULL);
    assert(d->queue != NULL);
    assert(head != NULL);
    assert(written != NULL);
    volatile struct virtq_used *used = &d->queue->used;
    if (used->idx == d->used_idx) return false;
    virtio_fence(); // the index before the entry and the buffers it returns
    volatile struct virtq_used_elem *element = &used->ring[d->used_idx % VIRTIO_QUEUE_SIZE];
    *head = element->id;
    *written = element->len;
    d->used_idx++;
    // The device may interrupt anyway (the flag is only a hint): acknowledge, so that
    // no interrupt stays pending should the kernel ever enable the PLIC.
    u32 pending = virtio_read(d->base, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (pending != 0) virtio_write(d->base, VIRTIO_MMIO_INTERRUPT_ACK, pending);
    return true;
}

i64 virtio_queue_wait(struct virtio_device *d, u64 timeout_ticks, u32 *head, u32 *written) {
    assert(d != NULL);
    assert(d->queue != NULL);
    u64 start_ticks = hw_rdtime();
    for (u64 poll = 1;; poll++) {
        if (virtio_queue_poll(d, head, written)) return 0;
        if (hw_rdtime() - start_ticks > timeout_ticks || poll == VIRTIO_WAIT_POLLS_MAX) {
            return -E_IO;
        }
        if (poll % VIRTIO_STATUS_POLL_INTERVAL == 0 &&
            (virtio_mmio_status(d) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0) {
            return -E_IO;
        }
    }
}
