// The console. In order of preference: the UART /chosen/stdout-path names (a
// 16550: "ns16550a" with byte registers, or the DesignWare "snps,dw-apb-uart"
// with reg-shift 2 and 32-bit accesses); else the SBI debug console (DBCN) when
// the firmware has it; else the legacy SBI putchar. The boot argument
// hw.console=sbi skips the UART (a way out on a board whose UART misbehaves).
//
// The firmware already programmed the line (baud divisor, 8N1), so we only move
// bytes and never touch LCR: on the DesignWare UART an LCR write while busy would
// be lost anyway.
#include "hw/hw.h"
#include "kernel/lib/format.h"
#include "hw/sbi.h"

#include <stdarg.h>

#define UART_REG_THR 0u // transmit holding (write)
#define UART_REG_RBR 0u // receive buffer (read)
#define UART_REG_LSR 5u // line status
#define UART_LSR_DATA_READY 0x01u
#define UART_LSR_THR_EMPTY 0x20u
#define UART_REG_SHIFT_MAX 4u
// A UART that never drains (wrong address, clock gated) must not hang the kernel:
// after this many polls the byte is dropped.
#define UART_SPIN_MAX 1000000u

static volatile void *uart_register(const struct hw_uart *uart, u32 reg) {
    return (volatile void *)(uintptr_t)(uart->base + ((u64)reg << uart->reg_shift));
}

static u32 uart_read(const struct hw_uart *uart, u32 reg) {
    if (uart->reg_io_width_bytes == 4) return *(volatile u32 *)uart_register(uart, reg);
    return *(volatile u8 *)uart_register(uart, reg);
}

static void uart_write(const struct hw_uart *uart, u32 reg, u8 value) {
    if (uart->reg_io_width_bytes == 4) {
        *(volatile u32 *)uart_register(uart, reg) = value;
    } else {
        *(volatile u8 *)uart_register(uart, reg) = value;
    }
}

static void uart_put_byte(const struct hw_uart *uart, u8 byte) {
    for (u32 spin = 0; spin < UART_SPIN_MAX; spin++) {
        if (uart_read(uart, UART_REG_LSR) & UART_LSR_THR_EMPTY) break;
    }
    uart_write(uart, UART_REG_THR, byte);
}

// The UART the device tree names, when we have a driver for it and its register
// layout is one we can drive.
static bool console_uart_usable(const struct fdt_console *console) {
    if (!console->present || console->kind == FDT_UART_NONE || console->base == 0) return false;
    if (console->reg_io_width_bytes != 1 && console->reg_io_width_bytes != 4) return false;
    return console->reg_shift <= UART_REG_SHIFT_MAX;
}

void hw_console_init(struct platform *p) {
    assert(p != NULL);
    const struct fdt_console *console = &p->machine.console;
    p->console = hw_sbi_has(p, SBI_X_DBCN) ? HW_CONSOLE_SBI_DBCN : HW_CONSOLE_SBI_LEGACY;
    if (hw_bootargs_has(p, "hw.console=sbi") || !console_uart_usable(console)) return;
    p->uart = (struct hw_uart){
        .base = console->base,
        .reg_shift = console->reg_shift,
        .reg_io_width_bytes = console->reg_io_width_bytes,
    };
    p->console = HW_CONSOLE_UART;
    assert(p->uart.base != 0);
}

// One line for the boot log: the driver chosen and why.
const char *hw_console_describe(const struct platform *p, char *text, u64 capacity) {
    assert(p != NULL);
    assert(text != NULL);
    const struct fdt_console *c = &p->machine.console;
    const char *fallback = hw_bootargs_has(p, "hw.console=sbi") ? "hw.console=sbi"
                           : c->present ? "no driver for the stdout-path UART"
                                        : "no /chosen/stdout-path";
    if (p->console == HW_CONSOLE_UART) {
        (void)format(text, capacity, "%s at 0x%llx (%s \"%s\", reg-shift %u, io-width %u)",
                     c->kind == FDT_UART_DW_APB ? "snps,dw-apb-uart" : "ns16550a",
                     (unsigned long long)c->base, c->path, c->compatible, c->reg_shift,
                     c->reg_io_width_bytes);
    } else {
        (void)format(text, capacity, "%s (%s)",
                     p->console == HW_CONSOLE_SBI_DBCN ? "SBI debug console (DBCN)"
                                                       : "legacy SBI putchar",
                     fallback);
    }
    return text;
}

static void console_put_byte(struct platform *p, u8 byte) {
    switch (p->console) {
    case HW_CONSOLE_UART: uart_put_byte(&p->uart, byte); return;
    case HW_CONSOLE_SBI_DBCN: (void)sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE_BYTE, byte, 0, 0); return;
    case HW_CONSOLE_SBI_LEGACY: (void)sbi_legacy_call(SBI_EXT_LEGACY_PUTCHAR, byte); return;
    }
}

// Terminals want CR LF; the kernel and user programs write LF.
void hw_console_write_raw(struct platform *p, const char *bytes, u64 count) {
    assert(p != NULL);
    if (count != 0) assert(bytes != NULL); // an empty buffer may be NULL
    for (u64 i = 0; i < count; i++) {
        if (bytes[i] == '\n') console_put_byte(p, '\r');
        console_put_byte(p, (u8)bytes[i]);
    }
}

void platform_console_write(struct platform *p, const u8 *bytes, u64 count) {
    hw_console_write_raw(p, (const char *)bytes, count);
}

// Input comes from the UART, or from the legacy getchar (DBCN's read needs a
// buffer the firmware writes by physical address; the legacy call is simpler and
// every firmware we target still has it).
u64 platform_console_read(struct platform *p, u8 *bytes, u64 capacity) {
    assert(p != NULL);
    if (capacity != 0) assert(bytes != NULL); // an empty buffer may be NULL
    u64 count = 0;
    while (count < capacity) {
        if (p->console == HW_CONSOLE_UART) {
            if ((uart_read(&p->uart, UART_REG_LSR) & UART_LSR_DATA_READY) == 0) break;
            bytes[count++] = (u8)uart_read(&p->uart, UART_REG_RBR);
        } else {
            i64 c = sbi_legacy_call(SBI_EXT_LEGACY_GETCHAR, 0);
            if (c < 0) break;
            bytes[count++] = (u8)c;
        }
    }
    return count;
}

// A platform message, stamped like the kernel's log lines so tools that separate
// kernel lines from user output treat both alike.
void hw_log(struct platform *p, const char *format_string, ...) {
    assert(p != NULL);
    assert(format_string != NULL);
    char line[HW_LOG_LINE_LEN_MAX];
    u64 now_ns = platform_monotonic_ns(p);
    u64 length = format(line, sizeof line, "[%5llu.%06llu] hw: ",
                        (unsigned long long)(now_ns / HW_NS_PER_S),
                        (unsigned long long)(now_ns / 1000ull % 1000000ull));
    va_list args;
    va_start(args, format_string);
    length += format_v(line + length, sizeof line - length - 1, format_string, args);
    va_end(args);
    assert(length + 1 < sizeof line);
    line[length++] = '\n';
    hw_console_write_raw(p, line, length);
}
