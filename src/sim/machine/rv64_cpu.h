// Internal to the interpreter (rv64.c, rv64_blocks.c): the CPU state of one rv64_run
// call, the TLB fast paths of loads and stores, and the slow paths both files share.
#pragma once

#include <string.h>

#include "sim/machine/rv64.h"
#include "sim/machine/rv64_bits.h"
#include "sim/machine/rv64_decode.h"

#define PAGE_SHIFT 12u
#define RV64_PAGE_SIZE_BYTES 4096ull
#define PAGE_OFFSET_MASK (RV64_PAGE_SIZE_BYTES - 1)
#define TLB_ENTRIES_COUNT 64u // power of two: indexed by the low VPN bits
#define TABLE_PAGES_MAX 32u   // page-table pages tracked before a full flush
#define TAG_INVALID UINT64_MAX // no VPN (VA >> 12) ever has this value
#define REGS_COUNT 32u

struct tlb_entry {
    u64 tag_read;  // VPN if loads may use `host`, else TAG_INVALID
    u64 tag_write; // VPN if stores may use `host` (W, D, and not a page-table page)
    u64 tag_exec;  // VPN if fetches may use `host`
    u64 frame_pa;  // physical 4 KiB frame, to recognise page-table pages
    u8 *host;      // the frame inside memory->ram
};

struct rv64_cpu {
    u64 x[REGS_COUNT];
    u64 pc;
    const struct rv64_memory *memory;
    u64 root_pa;
    u64 time_ticks; // what the time CSR reads during this run
    struct platform_trap trap;
    // LR/SC: one reservation, cleared at every call (a spurious SC failure is legal).
    bool reservation_valid;
    u64 reservation_va;
    u32 reservation_size_bytes;
    // Fetch fast path: VPN of the page the pc was last in, and its frame.
    u64 fetch_vpn;
    u8 *fetch_host;
    // The decode cache (NULL: none) and the blocks of the fetch page's frame in it.
    struct rv64_decode_cache *decode;
    struct rv64_decode_page *fetch_page;
    // While blocks run (rv64_blocks.c): their page's VA, where to go on after the last,
    // the instructions retired in this stretch, how many it may retire before a block
    // stops chaining to the next, the stretch's epoch, and how many more blocks may
    // chain (a bound on the depth of calls where tail calls are not jumps).
    u64 block_page_va;
    u64 block_next_pc;
    u64 run_retired;
    u64 run_chain_until;
    u64 run_epoch;
    u32 run_chain_left;
    struct tlb_entry tlb[TLB_ENTRIES_COUNT];
    // Frames that held page-table entries read by walks since the last flush.
    u64 table_pages[TABLE_PAGES_MAX];
    u32 table_pages_count;
};

// Any load or store the fast path declined (rv64.c); false with cpu->trap set.
bool rv64_load_slow(struct rv64_cpu *cpu, u64 va, u32 size_bytes, u64 *value);
bool rv64_store_slow(struct rv64_cpu *cpu, u64 va, u32 size_bytes, u64 value);
// Fetch through the TLB, making pc's page the fetch page (rv64.c).
bool rv64_fetch_slow(struct rv64_cpu *cpu, u64 pc, u32 *inst);
// Execute one instruction from its bits, the full decoder's way (rv64.c).
bool rv64_exec_raw(struct rv64_cpu *cpu, u32 inst);
// The run loop with the decode cache (rv64_blocks.c).
u64 rv64_run_cached(struct rv64_cpu *cpu, u64 instruction_budget);


// Zero-extended little-endian load of size_bytes (a constant at every call site).
RV64_INLINE bool load(struct rv64_cpu *cpu, u64 va, u32 size_bytes, u64 *value) {
    u64 vpn = va >> PAGE_SHIFT;
    u64 offset = va & PAGE_OFFSET_MASK;
    const struct tlb_entry *entry = &cpu->tlb[vpn & (TLB_ENTRIES_COUNT - 1)];
    if (entry->tag_read == vpn && offset <= RV64_PAGE_SIZE_BYTES - size_bytes) {
        u64 v = 0;
        memcpy(&v, entry->host + offset, size_bytes);
        *value = v;
        return true;
    }
    return rv64_load_slow(cpu, va, size_bytes, value);
}

RV64_INLINE bool store(struct rv64_cpu *cpu, u64 va, u32 size_bytes, u64 value) {
    u64 vpn = va >> PAGE_SHIFT;
    u64 offset = va & PAGE_OFFSET_MASK;
    const struct tlb_entry *entry = &cpu->tlb[vpn & (TLB_ENTRIES_COUNT - 1)];
    if (entry->tag_write == vpn && offset <= RV64_PAGE_SIZE_BYTES - size_bytes) {
        memcpy(entry->host + offset, &value, size_bytes);
        return true;
    }
    return rv64_store_slow(cpu, va, size_bytes, value);
}

