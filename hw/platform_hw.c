// The hardware platform's globals and the small parts of the platform interface
// that need no file of their own: panics, power, boot arguments, observation. The
// one struct kernel and struct platform of this machine live here (src/kernel
// keeps no globals; hw/ may).
#include "hw/csr.h"
#include "hw/hw.h"
#include "kernel/lib/format.h"
#include "hw/sbi.h"
#include "hw/virtio_net.h"
#include "kernel/abi.h"
#include "kernel/lib/mem.h"

struct platform hw_platform;
struct kernel hw_kernel;
static bool hw_panicking;

_Noreturn void hw_stop(void) {
    CSR_CLEAR(sstatus, SSTATUS_SIE);
    CSR_WRITE(sie, 0);
    for (;;) hw_wfi();
}

_Noreturn void platform_panic(const char *file, u32 line, const char *what) {
    if (hw_panicking) hw_stop(); // a panic while panicking: stop quietly
    hw_panicking = true;
    char message[HW_LOG_LINE_LEN_MAX];
    u64 length = format(message, sizeof message, "panic: %s:%u: %s\n", file, line, what);
    hw_console_write_raw(&hw_platform, message, length);
    hw_stop();
}

// ---- boot arguments -------------------------------------------------------------------

const char *platform_bootargs(struct platform *p) {
    assert(p != NULL);
    assert(p->machine.bootargs != NULL);
    return p->machine.bootargs;
}

// The rest of the first word that starts with `prefix` (up to a space or the
// end), or NULL. Words are separated by spaces.
const char *hw_bootargs_value(const struct platform *p, const char *prefix) {
    assert(p != NULL);
    assert(prefix != NULL);
    const char *s = p->machine.bootargs != NULL ? p->machine.bootargs : "";
    while (*s != '\0') {
        while (*s == ' ') s++;
        u64 i = 0;
        while (prefix[i] != '\0' && s[i] == prefix[i]) i++;
        if (prefix[i] == '\0') return s + i;
        while (*s != ' ' && *s != '\0') s++;
    }
    return NULL;
}

bool hw_bootargs_has(const struct platform *p, const char *word) {
    const char *rest = hw_bootargs_value(p, word);
    return rest != NULL && (*rest == ' ' || *rest == '\0');
}

// ---- power ------------------------------------------------------------------------------

void platform_halt(struct platform *p) {
    assert(p != NULL);
    hw_log(p, "halted");
    hw_stop();
}

// SRST when the firmware has it, else the legacy shutdown. A call that returns did
// not power off: the machine has no way to (QEMU's sifive_u: OpenSBI finds no
// shutdown device and SRST answers "not supported"). Then the kernel says so and
// halts here, interrupts off. It does not fall back to the legacy call after an SRST
// error: OpenSBI routes that to the same missing device and parks the hart inside the
// firmware, silently.
void platform_power_off(struct platform *p) {
    assert(p != NULL);
    bool srst = hw_sbi_has(p, SBI_X_SRST);
    hw_log(p, "power off (%s)", srst ? "SBI SRST" : "legacy SBI shutdown");
    if (srst) {
        struct sbi_result result =
            sbi_call(SBI_EXT_SRST, 0, SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_NONE, 0);
        hw_log(p, "power-off not possible on this machine (SBI SRST shutdown: %s); halted",
               sbi_error_name(result.error));
    } else {
        (void)sbi_legacy_call(SBI_EXT_LEGACY_SHUTDOWN, 0);
        hw_log(p, "power-off not possible on this machine (no SBI SRST, legacy shutdown "
                  "returned); halted");
    }
    hw_stop();
}

// Cold reboot first: the JH7110's OpenSBI implements only that one. Warm reboot
// is the second try for firmware that has only it. SBI v0.1 had no reboot call.
void platform_reboot(struct platform *p) {
    assert(p != NULL);
    hw_log(p, "reboot");
    if (hw_sbi_has(p, SBI_X_SRST)) {
        (void)sbi_call(SBI_EXT_SRST, 0, SBI_SRST_TYPE_COLD_REBOOT, SBI_SRST_REASON_NONE, 0);
        (void)sbi_call(SBI_EXT_SRST, 0, SBI_SRST_TYPE_WARM_REBOOT, SBI_SRST_REASON_NONE, 0);
    }
    hw_log(p, "firmware cannot reboot (no SBI SRST); halting");
    hw_stop();
}


// ---- network (issue 14): datagrams as Ethernet broadcast frames over virtio-net ------
// Frame: destination ff:ff:ff:ff:ff:ff, source this device's MAC, EtherType NET_ETHERTYPE,
// then the datagram's length (u16, little-endian) and the datagram, padded with zeros to
// the 60 bytes Ethernet requires. Every node hears every frame; the replica wire header
// names the destination, and the engine drops what is not for it. Received frames of
// another EtherType, or whose length field does not fit the frame or the limit, are dropped.
#define HW_NET_ETH_HEADER_BYTES 14u
#define HW_NET_LENGTH_BYTES 2u
#define HW_NET_FRAME_BYTES_MIN 60u
#define HW_NET_RECEIVE_ROUNDS_MAX 64u // frames looked at in one call before saying "none"

STATIC_ASSERT(HW_NET_ETH_HEADER_BYTES + HW_NET_LENGTH_BYTES + NET_DATAGRAM_BYTES_MAX <=
              VIRTIO_NET_FRAME_BYTES_MAX);

struct hw_net {
    bool present;
    struct virtio_net device;
    u8 frame[VIRTIO_NET_FRAME_BYTES_MAX];
    u64 frames_foreign; // other EtherTypes or bad lengths, dropped
    bool failure_logged;
};

static struct hw_net hw_net;

static void hw_net_log(struct platform *p, const struct virtio_net *n) {
    const u8 *m = n->mac;
    hw_log(p, "net: virtio-net (%s) at 0x%llx, MAC %02x:%02x:%02x:%02x:%02x:%02x (%s), "
              "rx queue %u of %u, tx queue %u of %u, header %u bytes",
           n->rx.version == VIRTIO_MMIO_VERSION_LEGACY ? "legacy" : "modern",
           (unsigned long long)n->rx.base, m[0], m[1], m[2], m[3], m[4], m[5],
           n->mac_from_device ? "device" : "chosen here", VIRTIO_QUEUE_SIZE, n->rx_queue_max,
           VIRTIO_QUEUE_SIZE, n->tx_queue_max, n->header_bytes);
}

void hw_net_init(struct platform *p) {
    assert(p != NULL);
    assert(!hw_net.present);
    const struct fdt_machine *m = &p->machine;
    for (u32 i = 0; i < m->virtio_count; i++) {
        u32 version = 0, device_id = 0;
        if (!virtio_mmio_identify(m->virtio[i].base, &version, &device_id)) continue;
        if (device_id != VIRTIO_DEVICE_ID_NET) continue;
        const char *problem = NULL;
        if (virtio_net_start(&hw_net.device, m->virtio[i].base, p->timebase_hz, &problem) < 0) {
            hw_log(p, "net: virtio-net at 0x%llx not used: %s",
                   (unsigned long long)m->virtio[i].base, problem);
            continue;
        }
        hw_net.present = true;
        hw_net_log(p, &hw_net.device);
        return;
    }
    hw_log(p, "net: none (no virtio-net device)");
}

// A device that misbehaved was reset (virtio_net.c): said once, then it is no device.
static i64 hw_net_failed(struct platform *p) {
    if (!hw_net.failure_logged) {
        hw_net.failure_logged = true;
        hw_log(p, "net: virtio-net failed (%s); no network from now on",
               hw_net.device.problem != NULL ? hw_net.device.problem : "unknown problem");
    }
    return -E_NODEV;
}

bool platform_net_present(struct platform *p) {
    assert(p != NULL);
    return hw_net.present && !hw_net.device.broken;
}

i64 platform_net_send(struct platform *p, u32 to_node, const u8 *bytes, u32 length) {
    assert(p != NULL);
    assert(bytes != NULL);
    if (!hw_net.present) return -E_NODEV;
    if (length == 0 || length > NET_DATAGRAM_BYTES_MAX || to_node >= NET_NODES_MAX) return -E_INVAL;
    u8 *f = hw_net.frame;
    mem_set(f, 0xff, VIRTIO_NET_MAC_BYTES);
    mem_copy(f + VIRTIO_NET_MAC_BYTES, hw_net.device.mac, VIRTIO_NET_MAC_BYTES);
    f[12] = (u8)(NET_ETHERTYPE >> 8); // EtherType: big-endian on the wire
    f[13] = (u8)NET_ETHERTYPE;
    f[HW_NET_ETH_HEADER_BYTES] = (u8)length;
    f[HW_NET_ETH_HEADER_BYTES + 1] = (u8)(length >> 8);
    u32 start = HW_NET_ETH_HEADER_BYTES + HW_NET_LENGTH_BYTES;
    mem_copy(f + start, bytes, length);
    u32 frame_bytes = start + length;
    if (frame_bytes < HW_NET_FRAME_BYTES_MIN) {
        mem_set(f + frame_bytes, 0, HW_NET_FRAME_BYTES_MIN - frame_bytes);
        frame_bytes = HW_NET_FRAME_BYTES_MIN;
    }
    i64 result = virtio_net_send(&hw_net.device, f, frame_bytes);
    return result == -E_IO ? hw_net_failed(p) : result;
}

// The datagram inside a received frame: its length, or 0 when the frame is not one.
static u32 hw_net_datagram_length(const u8 *f, u32 frame_bytes) {
    u32 start = HW_NET_ETH_HEADER_BYTES + HW_NET_LENGTH_BYTES;
    if (frame_bytes < start) return 0;
    if (f[12] != (u8)(NET_ETHERTYPE >> 8) || f[13] != (u8)NET_ETHERTYPE) return 0;
    u32 length = (u32)f[HW_NET_ETH_HEADER_BYTES] | (u32)f[HW_NET_ETH_HEADER_BYTES + 1] << 8;
    if (length == 0 || length > NET_DATAGRAM_BYTES_MAX || length > frame_bytes - start) return 0;
    return length;
}

i64 platform_net_receive(struct platform *p, u8 *bytes, u32 capacity) {
    assert(p != NULL);
    assert(bytes != NULL);
    assert(capacity >= NET_DATAGRAM_BYTES_MAX);
    if (!hw_net.present) return -E_NODEV;
    for (u32 round = 0; round < HW_NET_RECEIVE_ROUNDS_MAX; round++) {
        i64 got = virtio_net_receive(&hw_net.device, hw_net.frame, sizeof hw_net.frame);
        if (got < 0) return hw_net_failed(p);
        if (got == 0) return 0;
        u32 length = hw_net_datagram_length(hw_net.frame, (u32)got);
        if (length == 0) {
            hw_net.frames_foreign++;
            continue;
        }
        mem_copy(bytes, hw_net.frame + HW_NET_ETH_HEADER_BYTES + HW_NET_LENGTH_BYTES, length);
        return length;
    }
    return 0;
}
