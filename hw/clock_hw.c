// Clocks and the timer. Monotonic time is the time CSR (rdtime) since our entry,
// scaled by /cpus/timebase-frequency. Realtime is the goldfish RTC (QEMU virt)
// read once at boot plus monotonic time; without an RTC (the JH7110's is not
// supported yet) realtime starts at the epoch. The timer is the SBI TIME
// extension (the U74 cores have no Sstc), or the legacy set_timer call.
#include "hw/csr.h"
#include "hw/hw.h"
#include "hw/sbi.h"

#define GOLDFISH_RTC_TIME_LOW 0x00u  // reading it latches TIME_HIGH
#define GOLDFISH_RTC_TIME_HIGH 0x04u
#define TIMEBASE_HZ_MAX 10000000000ull // keeps (ticks % hz) * 1e9 inside 64 bits

// ticks * 1e9 / hz, split so that no intermediate product overflows.
u64 hw_ticks_to_ns(u64 ticks, u64 hz) {
    if (hz == 0) return 0; // before the device tree is read
    assert(hz <= TIMEBASE_HZ_MAX);
    return ticks / hz * HW_NS_PER_S + ticks % hz * HW_NS_PER_S / hz;
}

// The first tick at or after ns: a timer never fires before its deadline.
u64 hw_ns_to_ticks_ceil(u64 ns, u64 hz) {
    assert(hz > 0);
    assert(hz <= TIMEBASE_HZ_MAX);
    u64 seconds = ns / HW_NS_PER_S;
    if (seconds > HW_TIMER_NEVER / hz - 1) return HW_TIMER_NEVER;
    u64 fraction = (ns % HW_NS_PER_S * hz + HW_NS_PER_S - 1) / HW_NS_PER_S;
    return seconds * hz + fraction;
}

u64 hw_deadline_ticks(struct platform *p, u64 deadline_ns) {
    u64 ticks = hw_ns_to_ticks_ceil(deadline_ns, p->timebase_hz);
    if (ticks > HW_TIMER_NEVER - p->boot_ticks) return HW_TIMER_NEVER;
    return p->boot_ticks + ticks;
}

static u64 goldfish_rtc_read_ns(u64 base) {
    volatile u32 *low = (volatile u32 *)(uintptr_t)(base + GOLDFISH_RTC_TIME_LOW);
    volatile u32 *high = (volatile u32 *)(uintptr_t)(base + GOLDFISH_RTC_TIME_HIGH);
    u64 low_value = *low; // first: the device latches the high half on this read
    return ((u64)*high << 32) | low_value;
}

void hw_clock_init(struct platform *p) {
    assert(p != NULL);
    u64 hz = p->machine.timebase_hz;
    if (hz == 0 || hz > TIMEBASE_HZ_MAX) {
        platform_panic(__FILE__, __LINE__, "device tree timebase-frequency out of range");
    }
    p->timebase_hz = hz;
    u64 since_boot_ns = platform_monotonic_ns(p);
    p->realtime_boot_ns = 0;
    if (p->machine.rtc_present) {
        u64 now_ns = goldfish_rtc_read_ns(p->machine.rtc_base);
        p->realtime_boot_ns = now_ns > since_boot_ns ? now_ns - since_boot_ns : 0;
    }
}

u64 platform_monotonic_ns(struct platform *p) {
    assert(p != NULL);
    return hw_ticks_to_ns(hw_rdtime() - p->boot_ticks, p->timebase_hz);
}

u64 platform_realtime_ns(struct platform *p) {
    assert(p != NULL);
    return p->realtime_boot_ns + platform_monotonic_ns(p);
}

// HW_TIMER_NEVER also clears a pending timer interrupt (SBI spec, TIME extension).
void hw_timer_set(struct platform *p, u64 ticks) {
    assert(p != NULL);
    if (hw_sbi_has(p, SBI_X_TIME)) {
        (void)sbi_call(SBI_EXT_TIME, 0, ticks, 0, 0); // set_timer cannot fail
    } else {
        (void)sbi_legacy_call(SBI_EXT_LEGACY_SET_TIMER, ticks);
    }
}

// sie.STIE lets the timer wake wfi; sstatus.SIE stays clear in the kernel, so the
// interrupt is never taken here, only noticed.
void platform_idle_until(struct platform *p, u64 deadline_ns) {
    assert(p != NULL);
    u64 deadline_ticks = hw_deadline_ticks(p, deadline_ns);
    if (hw_rdtime() >= deadline_ticks) return;
    u64 sstatus = 0;
    CSR_READ(sstatus, sstatus);
    assert((sstatus & SSTATUS_SIE) == 0);
    hw_timer_set(p, deadline_ticks);
    CSR_SET(sie, SIE_STIE);
    while (hw_rdtime() < deadline_ticks) hw_wfi();
    CSR_CLEAR(sie, SIE_STIE);
    hw_timer_set(p, HW_TIMER_NEVER);
}
