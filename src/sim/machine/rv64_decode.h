// The decoded-instruction cache of the RV64 interpreter: per 4 KiB frame, one decoded
// instruction per halfword, so hot user code is decoded once rather than at every
// execution. Exact by construction: every decoded slot keeps the 32 bits it was
// decoded from (for a 16-bit instruction, the halfword after it too), and the
// interpreter compares them with memory before each use and decodes again on any
// difference. So no store can leave stale code runnable, whoever made it: the CPU
// (self-modifying code before or after FENCE.I), the kernel (exec loading a program,
// copy_to_user, a freed frame reused by another program) or a device. Decoding depends
// on the bits alone, never on the pc or the frame, so a slot decoded from one frame is
// right for any frame holding the same bits. Bounded: one arena of
// RV64_DECODE_PAGES_COUNT pages, allocated once per node, never grown.
#pragma once

#include "kernel/lib/types.h"

#define RV64_DECODE_PAGES_COUNT 64u   // frames whose decoded code is kept (power of two)
#define RV64_DECODE_SLOTS_COUNT 2048u // per page: one per halfword of 4 KiB

// What the interpreter's fast path executes. RV64_OP_SLOW (zero, so a zeroed slot is
// the right decoding of the all-zero word) interprets the raw bits with the full
// decoder: everything rare, every trap and every reserved encoding goes there.
enum rv64_op {
    RV64_OP_SLOW = 0,
    RV64_OP_ADDI, RV64_OP_ADDIW, RV64_OP_ANDI, RV64_OP_ORI, RV64_OP_XORI,
    RV64_OP_SLTI, RV64_OP_SLTIU, RV64_OP_SLLI, RV64_OP_SRLI, RV64_OP_SRAI,
    RV64_OP_ADD, RV64_OP_SUB, RV64_OP_AND, RV64_OP_OR, RV64_OP_XOR, RV64_OP_SLTU,
    RV64_OP_SLT, RV64_OP_SLL, RV64_OP_SRL, RV64_OP_MUL, RV64_OP_ADDW, RV64_OP_SUBW,
    RV64_OP_LUI, RV64_OP_AUIPC,
    RV64_OP_LB, RV64_OP_LH, RV64_OP_LW, RV64_OP_LD, RV64_OP_LBU, RV64_OP_LHU, RV64_OP_LWU,
    RV64_OP_SB, RV64_OP_SH, RV64_OP_SW, RV64_OP_SD,
    RV64_OP_BEQ, RV64_OP_BNE, RV64_OP_BLT, RV64_OP_BGE, RV64_OP_BLTU, RV64_OP_BGEU,
    RV64_OP_JAL, RV64_OP_JALR,
    RV64_OP_COUNT
};

struct rv64_decoded {
    u32 raw;  // the 4 bytes at the instruction's address when it was decoded
    u32 imm;  // sign-extended to 64 bits at use (every immediate fits in 32)
    u8 op;    // enum rv64_op
    u8 rd;
    u8 rs1;
    u8 rs2;
    u8 size_bytes; // 2 or 4: the pc step and the link of JAL/JALR
};

struct rv64_decode_page {
    struct rv64_decoded slots[RV64_DECODE_SLOTS_COUNT];
};

struct rv64_decode_cache {
    struct rv64_decode_page pages[RV64_DECODE_PAGES_COUNT];
};

// The arena, zeroed (every slot a correct decoding of the all-zero word); NULL when
// out of memory. One per node, created once.
struct rv64_decode_cache *rv64_decode_cache_create(void);
void rv64_decode_cache_destroy(struct rv64_decode_cache *cache);

// The slots for code in the 4 KiB frame at frame_pa (direct-mapped by frame number:
// frames that share a page take turns, decoding again what the other changed).
struct rv64_decoded *rv64_decode_page_slots(struct rv64_decode_cache *cache, u64 frame_pa);

// Decode the instruction whose first bytes are `word` (little-endian) into *out.
void rv64_decode(u32 word, struct rv64_decoded *out);
