// Virtio over MMIO (virtio 1.x specification, section 4.2 "Virtio Over MMIO", and
// 4.2.4 "Legacy interface"), with one split virtqueue (section 2.7) that the driver
// polls: the kernel runs with interrupts off, so nothing here uses them.
//
// Both register layouts are spoken: version 2 (modern: the driver hands the device
// three separate addresses and sets QueueReady) and version 1 (legacy, QEMU 7.2's
// default: one guest page frame number, the used ring at the next QueueAlign
// boundary after the available ring). Every address the device sees is physical:
// the kernel runs identity-mapped, so a pointer is its physical address.
#pragma once

#include "kernel/lib/types.h"

// ---- registers (offsets from the slot's base; all 32 bits wide) -------------------
#define VIRTIO_MMIO_MAGIC_VALUE 0x000u
#define VIRTIO_MMIO_VERSION 0x004u
#define VIRTIO_MMIO_DEVICE_ID 0x008u
#define VIRTIO_MMIO_VENDOR_ID 0x00cu
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010u
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014u
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020u
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024u
#define VIRTIO_MMIO_LEGACY_GUEST_PAGE_SIZE 0x028u // version 1 only
#define VIRTIO_MMIO_QUEUE_SEL 0x030u
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034u
#define VIRTIO_MMIO_QUEUE_NUM 0x038u
#define VIRTIO_MMIO_LEGACY_QUEUE_ALIGN 0x03cu     // version 1 only
#define VIRTIO_MMIO_LEGACY_QUEUE_PFN 0x040u       // version 1 only
#define VIRTIO_MMIO_QUEUE_READY 0x044u            // version 2 only
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050u
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060u
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064u
#define VIRTIO_MMIO_STATUS 0x070u
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080u         // version 2 only, through 0x0a4
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084u
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090u
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094u
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0u
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4u
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fcu      // version 2 only
#define VIRTIO_MMIO_CONFIG 0x100u

#define VIRTIO_MMIO_MAGIC 0x74726976u // "virt", little-endian
#define VIRTIO_MMIO_VERSION_LEGACY 1u
#define VIRTIO_MMIO_VERSION_MODERN 2u
#define VIRTIO_DEVICE_ID_NONE 0u      // an empty slot: QEMU virt has eight of them
#define VIRTIO_DEVICE_ID_NET 1u       // virtio-net (section 5.1)
#define VIRTIO_DEVICE_ID_BLOCK 2u
#define VIRTIO_DEVICE_ID_ENTROPY 4u   // virtio-rng (section 5.4)

// Device status bits (section 2.1).
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

#define VIRTIO_F_VERSION_1 (1ull << 32) // required by (and only for) version 2

// ---- the split virtqueue ------------------------------------------------------------
// One request at a time needs three descriptors (header, data, status); eight keeps
// the queue a power of two that every device accepts (QEMU offers 256 or 1024).
#define VIRTIO_QUEUE_SIZE 8u
#define VIRTIO_PAGE_BYTES 4096u          // GuestPageSize and QueueAlign (legacy)
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u            // the device writes this buffer
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u    // a hint: we poll, so the device need not interrupt

struct virtq_desc {
    u64 addr; // physical
    u32 len;
    u16 flags;
    u16 next;
};

struct virtq_avail {
    u16 flags;
    u16 idx;
    u16 ring[VIRTIO_QUEUE_SIZE];
    u16 used_event;
};

struct virtq_used_elem {
    u32 id;  // head of the descriptor chain
    u32 len; // bytes the device wrote
};

struct virtq_used {
    u16 flags;
    u16 idx;
    struct virtq_used_elem ring[VIRTIO_QUEUE_SIZE];
    u16 avail_event;
};

// The legacy layout, which the modern one also accepts: descriptors, then the
// available ring right after them, then the used ring at the next page boundary.
struct virtq_memory {
    struct virtq_desc desc[VIRTIO_QUEUE_SIZE];
    struct virtq_avail avail;
    _Alignas(VIRTIO_PAGE_BYTES) struct virtq_used used;
};

// ---- one device on one slot ------------------------------------------------------------
// One queue of the device: a device with several queues (virtio-net) has one of these
// per queue, copies but for the queue and its indices (virtio_mmio_queue_add).
struct virtio_device {
    u64 base;            // the slot's registers
    u32 version;         // VIRTIO_MMIO_VERSION_LEGACY or _MODERN
    u32 device_id;
    u64 device_features; // what the device offered
    u64 features;        // what was negotiated
    struct virtq_memory *queue;
    u16 avail_idx;       // free-running: the next index the driver publishes
    u16 used_idx;        // free-running: the next used entry the driver expects
    u32 queue_index;     // the queue this struct drives (0 for single-queue devices)
};

#define VIRTIO_CONFIG_BYTES_MAX 64u // the largest device-specific configuration read here

// The version and device id behind a slot, or false when the slot does not answer
// with the magic value, an unknown version, or no device (device id 0).
bool virtio_mmio_identify(u64 base, u32 *version, u32 *device_id);

// Resets the device and brings it to DRIVER_OK with queue 0 on `queue`: features
// negotiated are the device's offer masked by `wanted` (plus VIRTIO_F_VERSION_1 for
// version 2, which the specification requires). 0, or -E_IO with *problem set.
i64 virtio_mmio_start(struct virtio_device *d, u64 base, u64 wanted, struct virtq_memory *queue,
                      const char **problem);

// virtio_mmio_start in steps, for devices with more than one queue: begin (everything
// but DRIVER_OK, queue 0 on `queue`), queue_add for queue `index` >= 1 into `other`
// (which then drives that queue), then driver_ok. The caller may post buffers to the
// queues only after driver_ok. 0, or -E_IO with *problem set (the device marked FAILED).
i64 virtio_mmio_begin(struct virtio_device *d, u64 base, u64 wanted, struct virtq_memory *queue,
                      const char **problem);
i64 virtio_mmio_queue_add(const struct virtio_device *d, struct virtio_device *other, u32 index,
                          struct virtq_memory *queue, const char **problem);
void virtio_mmio_driver_ok(const struct virtio_device *d);

// Writes status 0: the device stops using every buffer it was given.
void virtio_mmio_reset(const struct virtio_device *d);
u32 virtio_mmio_status(const struct virtio_device *d);

// Device-specific configuration (section 4.2.2.2: read until the generation is
// stable, so that a 64-bit field is not torn across an update).
u64 virtio_mmio_config_u64(const struct virtio_device *d, u32 offset);
// `count` (at most VIRTIO_CONFIG_BYTES_MAX) bytes of it, read a byte at a time.
void virtio_mmio_config_bytes(const struct virtio_device *d, u32 offset, u8 *bytes, u32 count);

// Publishes descriptor chain `head` in the available ring and notifies d's queue.
void virtio_queue_submit(struct virtio_device *d, u16 head);
// One look at the used ring: true with the chain's head and written length when the
// device returned one, false when it has returned nothing new (never blocks).
bool virtio_queue_poll(struct virtio_device *d, u32 *head, u32 *written);
// Polls the used ring until the device returns a chain or timeout_ticks of the
// time CSR pass. 0 with the chain's head and written length; -E_IO on timeout.
i64 virtio_queue_wait(struct virtio_device *d, u64 timeout_ticks, u32 *head, u32 *written);

// I/O-ordering fence: ring memory and device registers in program order.
static inline void virtio_fence(void) {
    __asm__ volatile("fence iorw, iorw" : : : "memory");
}
