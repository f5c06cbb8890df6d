// The hardware platform's globals and the small parts of the platform interface
// that need no file of their own: panics, power, boot arguments, observation. The
// one struct kernel and struct platform of this machine live here (src/kernel
// keeps no globals; hw/ may).
#include "hw/csr.h"
#include "hw/hw.h"
#include "kernel/lib/format.h"
#include "hw/sbi.h"

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


// ---- network: PLACEHOLDER of the contract commit (issue 14), replaced by virtio-net ----
bool platform_net_present(struct platform *p) {
    (void)p;
    return false;
}

i64 platform_net_send(struct platform *p, u32 to_node, const u8 *bytes, u32 length) {
    (void)p;
    (void)to_node;
    (void)bytes;
    (void)length;
    return -E_NODEV;
}

i64 platform_net_receive(struct platform *p, u8 *bytes, u32 capacity) {
    (void)p;
    (void)bytes;
    (void)capacity;
    return -E_NODEV;
}
