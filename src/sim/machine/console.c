// Per-node console: bytes go to a ring (kept for failure reports) and to a line
// buffer that is printed as "n<id>| text" when the log level is info or more verbose.
#include <stdio.h>
#include <string.h>

#include "kernel/kernel.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"

static bool console_echo(const struct platform *node) {
    return node->sim->config.log_level >= LOG_INFO;
}

void console_flush(struct platform *node) {
    assert(node != NULL);
    struct node_console *console = &node->console;
    assert(console->line_length <= CONSOLE_LINE_BYTES_MAX);
    if (console->line_length == 0) return;
    sim_trace(node, TRACE_SIM_CONSOLE_LINE, console->line_length,
              trace_hash_bytes(console->line, console->line_length), 0);
    if (console_echo(node)) {
        fprintf(stdout, "n%u| %.*s\n", node->id, (int)console->line_length, console->line);
    }
    console->line_length = 0;
}

void console_write(struct platform *node, const u8 *bytes, u64 count) {
    assert(node != NULL);
    if (count != 0) assert(bytes != NULL); // an empty buffer may be NULL
    struct node_console *console = &node->console;
    for (u64 i = 0; i < count; i++) {
        u8 byte = bytes[i];
        console->ring[console->written_bytes % CONSOLE_RING_BYTES] = byte;
        console->written_bytes++;
        if (byte == '\n') {
            console_flush(node);
            continue;
        }
        if (byte == '\r') continue;
        if (console->line_length == CONSOLE_LINE_BYTES_MAX) console_flush(node);
        console->line[console->line_length] = (char)byte;
        console->line_length++;
    }
}

void console_print_tail(const struct platform *node, FILE *out, u32 lines_max) {
    assert(node != NULL);
    assert(out != NULL);
    const struct node_console *console = &node->console;
    u64 available = console->written_bytes < CONSOLE_RING_BYTES ? console->written_bytes
                                                                : CONSOLE_RING_BYTES;
    u64 first = console->written_bytes - available;
    // Walk back from the end to find where the last lines_max lines start.
    u64 start = console->written_bytes;
    u32 newlines = 0;
    while (start > first) {
        u8 byte = console->ring[(start - 1) % CONSOLE_RING_BYTES];
        if (byte == '\n' && start != console->written_bytes) {
            newlines++;
            if (newlines == lines_max) break;
        }
        start--;
    }
    bool line_start = true;
    for (u64 i = start; i < console->written_bytes; i++) {
        u8 byte = console->ring[i % CONSOLE_RING_BYTES];
        if (line_start) fprintf(out, "  n%u| ", node->id);
        line_start = byte == '\n';
        if (byte != '\r') fputc(byte, out);
    }
    if (!line_start) fputc('\n', out);
}
