// The block cache of the RV64 interpreter: user code decoded into basic blocks, kept
// per 4 KiB frame across calls, so hot code is decoded once rather than at every
// execution (rv64_blocks.c runs them). Exact by construction: every block keeps the
// bytes it was decoded from (each op's 4, so for a 16-bit instruction the halfword
// after it too), and the interpreter compares them with memory each time it enters
// the block; on any difference the block is decoded again from memory first. While a
// block runs only its own stores can write memory, and one into the code's page ends
// the block. So no store can leave stale code runnable, whoever made it: the CPU
// (self-modifying code, before or after FENCE.I), the kernel (exec loading a program,
// copy_to_user, a freed frame reused by another program) or a device; no write by
// anyone else needs to be seen or hooked.
// Decoding depends on the bits alone, never on the pc or the frame, so a block decoded
// from one frame is right for any frame holding the same bits at the same offsets.
// Bounded: one arena of RV64_DECODE_PAGES_COUNT pages of RV64_BLOCKS_PER_PAGE blocks,
// allocated once per node, never grown; nothing in it decides what a run does, only
// how fast it goes (basin-sim --no-block-cache runs without it, to the same trace).
#pragma once

#include "kernel/lib/types.h"

#define RV64_DECODE_PAGES_COUNT 64u   // frames whose decoded code is kept (power of two)
#define RV64_BLOCKS_PER_PAGE 128u     // blocks kept per page
#define RV64_PAGE_HALFWORDS_COUNT 2048u // where a block may start in a 4 KiB page
#define RV64_BLOCK_OPS_MAX 16u        // instructions per block at most
#define RV64_BLOCK_SOURCE_BYTES_MAX (RV64_BLOCK_OPS_MAX * 4u) // each op's 4 bytes, in a row

// What the interpreter's fast path executes. RV64_OP_SLOW (zero, so a zeroed slot is
// the right decoding of the all-zero word) interprets the raw bits with the full
// decoder: everything rare, every trap and every reserved encoding goes there.
enum rv64_op {
    RV64_OP_SLOW = 0,
    RV64_OP_NOP, // an ALU op with rd = x0: nothing to do
    RV64_OP_ADDI, RV64_OP_ADDIW, RV64_OP_ANDI, RV64_OP_ORI, RV64_OP_XORI,
    RV64_OP_SLTI, RV64_OP_SLTIU, RV64_OP_SLLI, RV64_OP_SRLI, RV64_OP_SRAI,
    RV64_OP_ADD, RV64_OP_SUB, RV64_OP_AND, RV64_OP_OR, RV64_OP_XOR, RV64_OP_SLTU,
    RV64_OP_SLT, RV64_OP_SLL, RV64_OP_SRL, RV64_OP_MUL, RV64_OP_ADDW, RV64_OP_SUBW,
    RV64_OP_AUIPC, RV64_OP_LUI,
    // Rarer ALU ops (RV64_OP_RARE_FIRST to RV64_OP_ALU_LAST): M and word shifts.
    RV64_OP_SRA, RV64_OP_MULH, RV64_OP_MULHSU, RV64_OP_MULHU, RV64_OP_DIV, RV64_OP_DIVU,
    RV64_OP_REM, RV64_OP_REMU, RV64_OP_SLLW, RV64_OP_SRLW, RV64_OP_SRAW, RV64_OP_MULW,
    RV64_OP_DIVW, RV64_OP_DIVUW, RV64_OP_REMW, RV64_OP_REMUW, RV64_OP_SLLIW, RV64_OP_SRLIW,
    RV64_OP_SRAIW, // the last ALU op: RV64_OP_ALU_LAST
    RV64_OP_LB, RV64_OP_LH, RV64_OP_LW, RV64_OP_LD, RV64_OP_LBU, RV64_OP_LHU, RV64_OP_LWU,
    RV64_OP_SB, RV64_OP_SH, RV64_OP_SW, RV64_OP_SD,
    RV64_OP_BEQ, RV64_OP_BNE, RV64_OP_BLT, RV64_OP_BGE, RV64_OP_BLTU, RV64_OP_BGEU,
    RV64_OP_JAL, RV64_OP_JALR,
    RV64_OP_BLOCK_END, // not an instruction: after a block's last op, unless it jumps
    RV64_OP_COUNT
};
// The interpreter tells op kinds by range: ALU ops, then loads and stores, then control.
#define RV64_OP_RARE_FIRST RV64_OP_SRA
#define RV64_OP_ALU_LAST RV64_OP_SRAIW
#define RV64_OP_CONTROL_FIRST RV64_OP_BEQ

struct rv64_decoded {
    u32 raw;  // the 4 bytes at the instruction's address when it was decoded
    i32 imm;  // sign-extended to 64 bits at use (every immediate fits in 32)
    u8 op;    // enum rv64_op
    u8 rd;
    u8 rs1;
    u8 rs2;
    u16 offset_bytes; // of the instruction in its page
    u8 size_bytes;    // 2 or 4: the pc step and the link of JAL/JALR
    u8 index;         // in its block: how many ops of the block retire before it
};

// A basic block: straight-line instructions from start_offset_bytes, ending with a
// branch, a jump, a slow op, the block's capacity or the page's last 4 bytes; then an
// RV64_OP_BLOCK_END op at the offset after the last, so that running a block needs
// no count.
// source holds the bytes every op's raw came from, so that one comparison at block
// entry checks them all (the ops' bytes overlap and follow each other).
struct rv64_block {
    u16 start_offset_bytes;
    u16 count;        // 0: empty
    u16 source_bytes; // from start_offset_bytes to the last op's 4th byte
    u64 checked_epoch; // the cache's epoch when last found current (0: never)
    struct rv64_decoded ops[RV64_BLOCK_OPS_MAX + 1]; // then RV64_OP_BLOCK_END
    u8 source[RV64_BLOCK_SOURCE_BYTES_MAX];
};

// A page's blocks, allocated in order from its pool; when the pool is full the page
// starts over empty (whatever the order of lookups, a block's ops are checked anyway).
struct rv64_decode_page {
    u16 block_of[RV64_PAGE_HALFWORDS_COUNT]; // block number + 1 starting there; 0: none
    u16 blocks_used;
    struct rv64_block blocks[RV64_BLOCKS_PER_PAGE];
};

// epoch counts the interpreter's stretches over one page during which nothing but
// its own stores (which end the stretch) can write memory: a block found current in
// a stretch stays so until the stretch ends, and needs no check again.
struct rv64_decode_cache {
    u64 epoch;
    struct rv64_decode_page pages[RV64_DECODE_PAGES_COUNT];
};

// The arena, zeroed (every slot a correct decoding of the all-zero word); NULL when
// out of memory. One per node, created once.
struct rv64_decode_cache *rv64_decode_cache_create(void);
void rv64_decode_cache_destroy(struct rv64_decode_cache *cache);

// The blocks for code in the 4 KiB frame at frame_pa (direct-mapped by frame number:
// frames that share a page take turns, decoding again what the other changed).
struct rv64_decode_page *rv64_decode_page_of(struct rv64_decode_cache *cache, u64 frame_pa);

// Decode the block starting offset_bytes into the page whose bytes are at page_host
// (offset_bytes must leave 4 bytes in the page); rv64_block_at's slow path.
struct rv64_block *rv64_block_build(struct rv64_decode_page *page, const u8 *page_host,
                                    u32 offset_bytes);

// The block starting there, decoded now unless the page holds it already (its ops are
// still checked against memory at each execution).
static inline struct rv64_block *rv64_block_at(struct rv64_decode_page *page, const u8 *page_host,
                                               u32 offset_bytes) {
    u32 number = page->block_of[offset_bytes >> 1];
    if (number != 0 && page->blocks[number - 1].count != 0) return &page->blocks[number - 1];
    return rv64_block_build(page, page_host, offset_bytes);
}

// Decode the instruction whose first bytes are `word` (little-endian) into *out.
void rv64_decode(u32 word, struct rv64_decoded *out);
