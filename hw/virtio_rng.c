// virtio-rng requests: one descriptor the device writes, submitted and polled to
// completion; the used ring says how many bytes it wrote. The device writes into a
// buffer of the platform's own (not the caller's), so nothing it writes late could
// land in memory reused for something else; a timeout resets it and marks it dead.
#include "hw/csr.h"
#include "hw/hw.h"
#include "kernel/abi.h"
#include "kernel/lib/mem.h"
#include "hw/virtio_rng.h"

#define VIRTIO_RNG_DESC 0u

// Memory the device writes. One device, one request at a time: static, as hw/ allows.
static struct virtq_memory virtio_rng_queue;
static u8 virtio_rng_buffer[VIRTIO_RNG_REQUEST_BYTES_MAX];

i64 virtio_rng_start(struct virtio_rng *r, u64 base, u64 timebase_hz, const char **problem) {
    assert(r != NULL);
    assert(problem != NULL);
    assert(timebase_hz > 0);
    *r = (struct virtio_rng){0};
    i64 result = virtio_mmio_start(&r->device, base, 0, &virtio_rng_queue, problem);
    if (result < 0) return result;
    r->timeout_ticks = hw_ns_to_ticks_ceil(VIRTIO_RNG_TIMEOUT_NS, timebase_hz);
    return 0;
}

static i64 virtio_rng_fail(struct virtio_rng *r, const char *problem) {
    virtio_mmio_reset(&r->device); // stops all use of the buffer it still holds
    r->broken = true;
    r->problem = problem;
    return -E_IO;
}

// One request for `count` bytes: how many the device wrote, or -E_IO.
static i64 virtio_rng_request(struct virtio_rng *r, u32 count) {
    assert(r != NULL);
    assert(!r->broken);
    assert(count > 0);
    assert(count <= VIRTIO_RNG_REQUEST_BYTES_MAX);
    volatile struct virtq_desc *desc = &virtio_rng_queue.desc[VIRTIO_RNG_DESC];
    desc->addr = (u64)(uintptr_t)virtio_rng_buffer;
    desc->len = count;
    desc->flags = VIRTQ_DESC_F_WRITE;
    desc->next = 0;
    virtio_queue_submit(&r->device, VIRTIO_RNG_DESC);
    u32 head = 0, written = 0;
    if (virtio_queue_wait(&r->device, r->timeout_ticks, &head, &written) < 0) {
        return virtio_rng_fail(r, "no answer within the timeout (device reset, not used again)");
    }
    if (head != VIRTIO_RNG_DESC) return virtio_rng_fail(r, "the device returned a chain it was never given");
    if (written > count) return virtio_rng_fail(r, "the device claims to have written past the buffer");
    return written;
}

i64 virtio_rng_read(struct virtio_rng *r, u8 *bytes, u32 count) {
    assert(r != NULL);
    if (count != 0) assert(bytes != NULL); // an empty buffer may be NULL
    if (r->broken) return -E_IO;
    u32 filled = 0;
    for (u32 request = 0; request < VIRTIO_RNG_REQUESTS_MAX && filled < count; request++) {
        u32 want = count - filled < VIRTIO_RNG_REQUEST_BYTES_MAX ? count - filled
                                                                 : VIRTIO_RNG_REQUEST_BYTES_MAX;
        i64 got = virtio_rng_request(r, want);
        if (got < 0) return got;
        mem_copy(bytes + filled, virtio_rng_buffer, (u64)got);
        mem_set(virtio_rng_buffer, 0, sizeof virtio_rng_buffer);
        filled += (u32)got;
    }
    r->bytes_read += filled;
    assert(filled <= count);
    return filled;
}
