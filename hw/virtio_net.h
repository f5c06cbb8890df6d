// The virtio network device (virtio 1.x section 5.1) on the MMIO transport, polled:
// receive queue 0 with every descriptor posted at start (one buffer each, re-posted
// as soon as its frame is copied out), transmit queue 1 with a small ring of buffers
// of the driver's own. Features: VIRTIO_NET_F_MAC when offered, VERSION_1 on modern
// devices, nothing else (no mergeable buffers, no offloads), so every frame travels
// behind a virtio_net_hdr of 10 bytes (legacy) or 12 (VERSION_1), all zeros on send.
#pragma once

#include "hw/virtio.h"

#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_CONFIG_MAC 0u        // u8[6], valid when VIRTIO_NET_F_MAC
#define VIRTIO_NET_MAC_BYTES 6u
#define VIRTIO_NET_HDR_BYTES_LEGACY 10u // flags, gso_type, hdr_len, gso_size, csum_*
#define VIRTIO_NET_HDR_BYTES_MODERN 12u // and num_buffers, always there with VERSION_1
#define VIRTIO_NET_QUEUE_RX 0u
#define VIRTIO_NET_QUEUE_TX 1u
#define VIRTIO_NET_FRAME_BYTES_MAX 1514u // Ethernet header and 1500 bytes, no FCS
// One buffer: the largest header and the largest frame, rounded up.
#define VIRTIO_NET_BUFFER_BYTES 1536u
// A send that finds every transmit buffer still the device's waits this long for one
// (QEMU sends from its own thread, soon after the notification) before -E_AGAIN: a
// burst of datagrams is slowed down rather than refused.
#define VIRTIO_NET_TX_WAIT_NS 2000000ull

struct virtio_net {
    struct virtio_device rx;  // queue 0
    struct virtio_device tx;  // queue 1 (same registers)
    u8 mac[VIRTIO_NET_MAC_BYTES];
    bool mac_from_device;     // VIRTIO_NET_F_MAC (else a locally administered one)
    u32 header_bytes;         // VIRTIO_NET_HDR_BYTES_LEGACY or _MODERN
    u32 rx_queue_max;         // what the device offered (the driver uses VIRTIO_QUEUE_SIZE)
    u32 tx_queue_max;
    u64 tx_wait_ticks;        // VIRTIO_NET_TX_WAIT_NS in time CSR ticks
    bool tx_busy[VIRTIO_QUEUE_SIZE]; // the device still holds this transmit descriptor
    bool rx_busy[VIRTIO_QUEUE_SIZE]; // the device holds this receive descriptor
    bool broken;              // the device misbehaved: reset, every later call fails
    const char *problem;      // why it broke, or NULL
    u64 frames_sent;
    u64 frames_received;
    u64 frames_dropped;       // received but too short or too long to be a frame
};

// Starts the network device at `base` (a slot virtio_mmio_identify found with device
// id 1) and posts every receive buffer. 0, or -E_IO with *problem set.
i64 virtio_net_start(struct virtio_net *n, u64 base, u64 timebase_hz, const char **problem);
// Queues one Ethernet frame (14..VIRTIO_NET_FRAME_BYTES_MAX bytes, header included):
// 0; -E_AGAIN when every transmit buffer stayed the device's for VIRTIO_NET_TX_WAIT_NS;
// -E_IO when broken.
i64 virtio_net_send(struct virtio_net *n, const u8 *frame, u32 length);
// One received frame copied into `frame` (capacity at least VIRTIO_NET_FRAME_BYTES_MAX):
// its length, 0 when none is waiting, -E_IO when broken.
i64 virtio_net_receive(struct virtio_net *n, u8 *frame, u32 capacity);
