// The virtio entropy device (virtio 1.x section 5.4, "virtio-rng") on the MMIO
// transport: one request queue; the driver hands the device a buffer it may write
// and the device fills some or all of it with random bytes. One request at a time,
// polled to completion, like the block device.
#pragma once

#include "hw/virtio.h"

// One request asks for at most this much; a larger read is several requests.
#define VIRTIO_RNG_REQUEST_BYTES_MAX 64u
// A device may return fewer bytes than asked (even none): a read gives up after
// this many requests and says how many it got.
#define VIRTIO_RNG_REQUESTS_MAX 16u
// A request that takes longer leaves the device dead: it is never asked again.
#define VIRTIO_RNG_TIMEOUT_NS (1000000000ull)

struct virtio_rng {
    struct virtio_device device;
    bool broken;          // a request timed out or the device failed: never used again
    u64 timeout_ticks;
    const char *problem;  // why it broke, for the log
    u64 bytes_read;       // since boot
};

// Starts the device at `base` (a slot virtio_mmio_identify found with device id 4).
// 0, or -E_IO with *problem.
i64 virtio_rng_start(struct virtio_rng *r, u64 base, u64 timebase_hz, const char **problem);

// Fills bytes[0, count) as far as the device gives within VIRTIO_RNG_REQUESTS_MAX
// requests. Returns the bytes filled (from the start), or -E_IO when the device broke.
i64 virtio_rng_read(struct virtio_rng *r, u8 *bytes, u32 count);
