// virtio-net, polled (see virtio_net.h). Descriptor i of each queue always points at
// buffer i of that queue, so a used entry names its buffer; every head the device
// returns is checked against what the driver gave it (a device that returns a
// descriptor it does not hold is reset and not used again, like virtio_blk.c).
#include "hw/csr.h"
#include "hw/hw.h"
#include "kernel/abi.h"
#include "kernel/lib/mem.h"
#include "hw/virtio_net.h"

// Memory the device reads and writes: one device, static, as hw/ allows.
static struct virtq_memory virtio_net_rx_queue;
static struct virtq_memory virtio_net_tx_queue;
static u8 virtio_net_rx_buffers[VIRTIO_QUEUE_SIZE][VIRTIO_NET_BUFFER_BYTES];
static u8 virtio_net_tx_buffers[VIRTIO_QUEUE_SIZE][VIRTIO_NET_BUFFER_BYTES];

STATIC_ASSERT(VIRTIO_NET_HDR_BYTES_MODERN + VIRTIO_NET_FRAME_BYTES_MAX <= VIRTIO_NET_BUFFER_BYTES);

static i64 virtio_net_fail(struct virtio_net *n, const char *problem) {
    virtio_mmio_reset(&n->rx); // stops all use of the buffers it still holds
    n->broken = true;
    n->problem = problem;
    return -E_IO;
}

static void virtio_net_desc(struct virtq_memory *queue, u16 index, u8 *buffer, u32 bytes,
                            u16 flags) {
    volatile struct virtq_desc *desc = &queue->desc[index];
    desc->addr = (u64)(uintptr_t)buffer;
    desc->len = bytes;
    desc->flags = flags;
    desc->next = 0;
}

static void virtio_net_rx_post(struct virtio_net *n, u16 index) {
    assert(index < VIRTIO_QUEUE_SIZE);
    virtio_net_desc(&virtio_net_rx_queue, index, virtio_net_rx_buffers[index],
                    VIRTIO_NET_BUFFER_BYTES, VIRTQ_DESC_F_WRITE);
    n->rx_busy[index] = true;
    virtio_queue_submit(&n->rx, index);
}

static u32 virtio_net_queue_max(const struct virtio_device *d, u32 index) {
    volatile u32 *sel = (volatile u32 *)(uintptr_t)(d->base + VIRTIO_MMIO_QUEUE_SEL);
    volatile u32 *max = (volatile u32 *)(uintptr_t)(d->base + VIRTIO_MMIO_QUEUE_NUM_MAX);
    *sel = index;
    return *max;
}

// Without VIRTIO_NET_F_MAC the driver picks its own: locally administered, unicast,
// made from the slot's address so that two slots of one machine differ.
static void virtio_net_mac(struct virtio_net *n) {
    n->mac_from_device = (n->rx.features & VIRTIO_NET_F_MAC) != 0;
    if (n->mac_from_device) {
        virtio_mmio_config_bytes(&n->rx, VIRTIO_NET_CONFIG_MAC, n->mac, VIRTIO_NET_MAC_BYTES);
        return;
    }
    u64 base = n->rx.base;
    u8 mac[VIRTIO_NET_MAC_BYTES] = {0x02, 0x42, (u8)(base >> 24), (u8)(base >> 16),
                                    (u8)(base >> 8), (u8)base};
    mem_copy(n->mac, mac, sizeof mac);
}

i64 virtio_net_start(struct virtio_net *n, u64 base, u64 timebase_hz, const char **problem) {
    assert(n != NULL);
    assert(problem != NULL);
    assert(timebase_hz > 0);
    *n = (struct virtio_net){0};
    n->tx_wait_ticks = hw_ns_to_ticks_ceil(VIRTIO_NET_TX_WAIT_NS, timebase_hz);
    i64 result = virtio_mmio_begin(&n->rx, base, VIRTIO_NET_F_MAC, &virtio_net_rx_queue, problem);
    if (result < 0) return result;
    result = virtio_mmio_queue_add(&n->rx, &n->tx, VIRTIO_NET_QUEUE_TX, &virtio_net_tx_queue,
                                   problem);
    if (result < 0) return result;
    n->rx_queue_max = virtio_net_queue_max(&n->rx, VIRTIO_NET_QUEUE_RX);
    n->tx_queue_max = virtio_net_queue_max(&n->rx, VIRTIO_NET_QUEUE_TX);
    n->header_bytes = (n->rx.features & VIRTIO_F_VERSION_1) != 0 ? VIRTIO_NET_HDR_BYTES_MODERN
                                                                 : VIRTIO_NET_HDR_BYTES_LEGACY;
    virtio_net_mac(n);
    virtio_mmio_driver_ok(&n->rx);
    for (u16 i = 0; i < VIRTIO_QUEUE_SIZE; i++) virtio_net_rx_post(n, i);
    return 0;
}

// Takes back every transmit buffer the device is done with.
static i64 virtio_net_tx_reclaim(struct virtio_net *n) {
    u32 head = 0, written = 0;
    for (u32 round = 0; round < VIRTIO_QUEUE_SIZE; round++) {
        if (!virtio_queue_poll(&n->tx, &head, &written)) return 0;
        if (head >= VIRTIO_QUEUE_SIZE || !n->tx_busy[head]) {
            return virtio_net_fail(n, "the device returned a transmit buffer it did not hold");
        }
        n->tx_busy[head] = false;
    }
    return 0;
}

// A free transmit descriptor, waiting up to tx_wait_ticks for the device to return
// one: its index, -E_AGAIN, or -E_IO.
static i64 virtio_net_tx_free(struct virtio_net *n) {
    u64 start_ticks = hw_rdtime();
    for (;;) {
        i64 result = virtio_net_tx_reclaim(n);
        if (result < 0) return result;
        for (u16 index = 0; index < VIRTIO_QUEUE_SIZE; index++) {
            if (!n->tx_busy[index]) return index;
        }
        if (hw_rdtime() - start_ticks > n->tx_wait_ticks) return -E_AGAIN;
    }
}

i64 virtio_net_send(struct virtio_net *n, const u8 *frame, u32 length) {
    assert(n != NULL);
    assert(frame != NULL);
    assert(length <= VIRTIO_NET_FRAME_BYTES_MAX);
    if (n->broken) return -E_IO;
    i64 index = virtio_net_tx_free(n);
    if (index < 0) return index;
    u8 *buffer = virtio_net_tx_buffers[index];
    mem_set(buffer, 0, n->header_bytes); // no checksum to finish, no segmentation
    mem_copy(buffer + n->header_bytes, frame, length);
    virtio_net_desc(&virtio_net_tx_queue, (u16)index, buffer, n->header_bytes + length, 0);
    n->tx_busy[index] = true;
    virtio_queue_submit(&n->tx, (u16)index);
    n->frames_sent++;
    return 0;
}

i64 virtio_net_receive(struct virtio_net *n, u8 *frame, u32 capacity) {
    assert(n != NULL);
    assert(frame != NULL);
    assert(capacity >= VIRTIO_NET_FRAME_BYTES_MAX);
    if (n->broken) return -E_IO;
    u32 head = 0, written = 0;
    // A frame the device wrote wrong is dropped and its buffer posted again; the next
    // one is looked at, so one call drains at most a queue's worth of bad frames.
    for (u32 round = 0; round < VIRTIO_QUEUE_SIZE; round++) {
        if (!virtio_queue_poll(&n->rx, &head, &written)) return 0;
        if (head >= VIRTIO_QUEUE_SIZE || !n->rx_busy[head]) {
            return virtio_net_fail(n, "the device returned a receive buffer it did not hold");
        }
        n->rx_busy[head] = false;
        bool fits = written >= n->header_bytes && written <= VIRTIO_NET_BUFFER_BYTES &&
                    written - n->header_bytes <= VIRTIO_NET_FRAME_BYTES_MAX;
        u32 length = fits ? written - n->header_bytes : 0;
        if (length > 0) mem_copy(frame, virtio_net_rx_buffers[head] + n->header_bytes, length);
        virtio_net_rx_post(n, (u16)head);
        if (length > 0) {
            n->frames_received++;
            return length;
        }
        n->frames_dropped++;
    }
    return 0;
}
