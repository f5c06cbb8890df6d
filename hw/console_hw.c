// The console: the UART /chosen/stdout-path names (a 16550: "ns16550a" with byte
// registers, or the DesignWare "snps,dw-apb-uart" with reg-shift 2 and 32-bit
// accesses), else the legacy SBI console. The firmware already programmed the
// line (baud divisor, 8N1), so we only move bytes and never touch LCR: on the
// DesignWare UART an LCR write while busy would be lost anyway.
#include "hw.h"
#include "kernel/format.h"
#include "sbi.h"

#include <stdarg.h>

#define UART_REG_THR 0u // transmit holding (write)
#define UART_REG_RBR 0u // receive buffer (read)
#define UART_REG_LSR 5u // line status
#define UART_LSR_DATA_READY 0x01u
#define UART_LSR_THR_EMPTY 0x20u
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

void hw_console_init(struct platform *p) {
    assert(p != NULL);
    const struct fdt_console *console = &p->machine.console;
    p->uart_present = false;
    if (!console->present || console->kind == FDT_UART_NONE) return;
    if (console->reg_io_width_bytes != 1 && console->reg_io_width_bytes != 4) return;
    if (console->reg_shift > 4) return;
    p->uart = (struct hw_uart){
        .base = console->base,
        .reg_shift = console->reg_shift,
        .reg_io_width_bytes = console->reg_io_width_bytes,
    };
    assert(p->uart.base != 0);
    p->uart_present = true;
}

static void console_put_byte(struct platform *p, u8 byte) {
    if (p->uart_present) {
        uart_put_byte(&p->uart, byte);
    } else {
        (void)sbi_legacy_call(SBI_EXT_LEGACY_PUTCHAR, byte); // nothing to do if it fails
    }
}

// Terminals want CR LF; the kernel and user programs write LF.
void hw_console_write_raw(struct platform *p, const char *bytes, u64 count) {
    assert(p != NULL);
    assert(bytes != NULL || count == 0);
    for (u64 i = 0; i < count; i++) {
        if (bytes[i] == '\n') console_put_byte(p, '\r');
        console_put_byte(p, (u8)bytes[i]);
    }
}

void platform_console_write(struct platform *p, const u8 *bytes, u64 count) {
    hw_console_write_raw(p, (const char *)bytes, count);
}

u64 platform_console_read(struct platform *p, u8 *bytes, u64 capacity) {
    assert(p != NULL);
    assert(bytes != NULL || capacity == 0);
    u64 count = 0;
    while (count < capacity) {
        if (p->uart_present) {
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
    assert(p != NULL && format_string != NULL);
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
