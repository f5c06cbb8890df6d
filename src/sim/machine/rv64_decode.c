// The decoded-instruction cache (rv64_decode.h). The decoder maps each encoding the
// fast path knows onto an rv64_op with its operands, and everything else, including
// every reserved or illegal encoding, onto RV64_OP_SLOW, which rv64.c interprets
// from the raw bits exactly as the uncached interpreter does. Compressed forms
// become the base instruction they stand for, with size_bytes = 2.
#include "sim/machine/rv64_decode.h"

#include <stdlib.h>
#include <string.h>

#include "sim/machine/rv64_bits.h"

#define DECODE_PAGE_SHIFT 12u
#define DECODE_PAGE_BYTES 4096u

STATIC_ASSERT((RV64_DECODE_PAGES_COUNT & (RV64_DECODE_PAGES_COUNT - 1)) == 0);
STATIC_ASSERT(RV64_OP_COUNT <= 256);
STATIC_ASSERT(RV64_BLOCKS_PER_PAGE < 65535);
STATIC_ASSERT(RV64_PAGE_HALFWORDS_COUNT * 2 == DECODE_PAGE_BYTES);

struct rv64_decode_cache *rv64_decode_cache_create(void) {
    // calloc: all zero is RV64_OP_SLOW for raw 0, a correct decoding of the zero word.
    STATIC_ASSERT(RV64_OP_SLOW == 0);
    return calloc(1, sizeof(struct rv64_decode_cache));
}

void rv64_decode_cache_destroy(struct rv64_decode_cache *cache) { free(cache); }

struct rv64_decode_page *rv64_decode_page_of(struct rv64_decode_cache *cache, u64 frame_pa) {
    assert(cache != NULL);
    assert((frame_pa & ((1ull << DECODE_PAGE_SHIFT) - 1)) == 0);
    u64 index = (frame_pa >> DECODE_PAGE_SHIFT) & (RV64_DECODE_PAGES_COUNT - 1);
    return &cache->pages[index];
}

// Ends a block after its op: control flow, the slow path (which may be anything), or
// no whole word left in the page for the next one.
static bool block_ends(const struct rv64_decoded *d) {
    if (d->op == RV64_OP_SLOW || d->op >= RV64_OP_CONTROL_FIRST) return true;
    return (u32)d->offset_bytes + d->size_bytes > DECODE_PAGE_BYTES - 4;
}

struct rv64_block *rv64_block_build(struct rv64_decode_page *page, const u8 *page_host,
                                    u32 offset_bytes) {
    assert(offset_bytes <= DECODE_PAGE_BYTES - 4);
    assert((offset_bytes & 1) == 0);
    u32 number = page->block_of[offset_bytes >> 1];
    if (number == 0) { // a new block: from the pool, emptied first if it is full
        if (page->blocks_used == RV64_BLOCKS_PER_PAGE) {
            memset(page->block_of, 0, sizeof(page->block_of));
            page->blocks_used = 0;
        }
        number = ++page->blocks_used;
        page->block_of[offset_bytes >> 1] = (u16)number;
    }
    struct rv64_block *block = &page->blocks[number - 1];
    block->start_offset_bytes = (u16)offset_bytes;
    block->count = 0;
    block->checked_epoch = 0; // not checked in any stretch yet
    u32 offset = offset_bytes;
    while (block->count < RV64_BLOCK_OPS_MAX) {
        u32 word = 0;
        memcpy(&word, page_host + offset, 4);
        struct rv64_decoded *d = &block->ops[block->count++];
        rv64_decode(word, d);
        d->offset_bytes = (u16)offset;
        d->index = (u8)(block->count - 1);
        if (block_ends(d)) break;
        offset += d->size_bytes;
    }
    const struct rv64_decoded *last = &block->ops[block->count - 1];
    u32 last_offset = last->offset_bytes;
    struct rv64_decoded *end = &block->ops[block->count];
    memset(end, 0, sizeof(*end));
    end->op = RV64_OP_BLOCK_END;
    end->offset_bytes = (u16)(last_offset + last->size_bytes);
    end->index = (u8)block->count;
    block->source_bytes = (u16)(last_offset + 4 - offset_bytes);
    assert(block->source_bytes <= RV64_BLOCK_SOURCE_BYTES_MAX);
    memcpy(block->source, page_host + offset_bytes, block->source_bytes);
    return block;
}

static void set(struct rv64_decoded *d, enum rv64_op op, u32 rd, u32 rs1, u32 rs2, u64 imm,
                u32 size_bytes) {
    assert(rd < 32);
    assert(size_bytes >= 2); // 2 or 4
    assert(size_bytes <= 4);
    // ALU results for x0 are discarded: such ops (c.nop, HINTs) do nothing at all.
    bool alu = op != RV64_OP_SLOW && op <= RV64_OP_ALU_LAST;
    d->op = (u8)(alu && rd == 0 ? RV64_OP_NOP : op);
    d->rd = (u8)rd;
    d->rs1 = (u8)rs1;
    d->rs2 = (u8)rs2;
    d->imm = as_i32((u32)imm); // the op sign-extends it back: every immediate fits in 32 bits
    d->size_bytes = (u8)size_bytes;
}

static void slow(struct rv64_decoded *d) { set(d, RV64_OP_SLOW, 0, 0, 0, 0, 4); }

static void decode_op_imm(u32 inst, struct rv64_decoded *d) {
    static const enum rv64_op ops[8] = {RV64_OP_ADDI, RV64_OP_SLLI, RV64_OP_SLTI, RV64_OP_SLTIU,
                                        RV64_OP_XORI, RV64_OP_SRLI, RV64_OP_ORI, RV64_OP_ANDI};
    u32 funct3 = FUNCT3(inst);
    u32 top6 = inst >> 26; // RV64 shifts: 0, or 0x10 for srai
    u32 shamt = (inst >> 20) & 63u;
    if (funct3 == 1) {
        if (top6 == 0) set(d, RV64_OP_SLLI, RD(inst), RS1(inst), 0, shamt, 4);
        return;
    }
    if (funct3 == 5) {
        if (top6 == 0) set(d, RV64_OP_SRLI, RD(inst), RS1(inst), 0, shamt, 4);
        if (top6 == 0x10) set(d, RV64_OP_SRAI, RD(inst), RS1(inst), 0, shamt, 4);
        return;
    }
    set(d, ops[funct3], RD(inst), RS1(inst), 0, imm_i(inst), 4);
}

static void decode_op(u32 inst, struct rv64_decoded *d) {
    enum rv64_op op = RV64_OP_SLOW;
    switch ((FUNCT7(inst) << 3) | FUNCT3(inst)) {
    case 0x000: op = RV64_OP_ADD; break;
    case 0x100: op = RV64_OP_SUB; break;
    case 0x001: op = RV64_OP_SLL; break;
    case 0x002: op = RV64_OP_SLT; break;
    case 0x003: op = RV64_OP_SLTU; break;
    case 0x004: op = RV64_OP_XOR; break;
    case 0x005: op = RV64_OP_SRL; break;
    case 0x006: op = RV64_OP_OR; break;
    case 0x007: op = RV64_OP_AND; break;
    case 0x008: op = RV64_OP_MUL; break;
    case 0x105: op = RV64_OP_SRA; break;
    case 0x009: op = RV64_OP_MULH; break;
    case 0x00a: op = RV64_OP_MULHSU; break;
    case 0x00b: op = RV64_OP_MULHU; break;
    case 0x00c: op = RV64_OP_DIV; break;
    case 0x00d: op = RV64_OP_DIVU; break;
    case 0x00e: op = RV64_OP_REM; break;
    case 0x00f: op = RV64_OP_REMU; break;
    default: return; // illegal: the slow path traps
    }
    set(d, op, RD(inst), RS1(inst), RS2(inst), 0, 4);
}

static void decode_op32(u32 inst, struct rv64_decoded *d) {
    enum rv64_op op = RV64_OP_SLOW;
    switch ((FUNCT7(inst) << 3) | FUNCT3(inst)) {
    case 0x000: op = RV64_OP_ADDW; break;
    case 0x100: op = RV64_OP_SUBW; break;
    case 0x001: op = RV64_OP_SLLW; break;
    case 0x005: op = RV64_OP_SRLW; break;
    case 0x105: op = RV64_OP_SRAW; break;
    case 0x008: op = RV64_OP_MULW; break;
    case 0x00c: op = RV64_OP_DIVW; break;
    case 0x00d: op = RV64_OP_DIVUW; break;
    case 0x00e: op = RV64_OP_REMW; break;
    case 0x00f: op = RV64_OP_REMUW; break;
    default: return; // illegal: the slow path traps
    }
    set(d, op, RD(inst), RS1(inst), RS2(inst), 0, 4);
}

// OP-IMM-32: addiw takes any funct7 (they are its immediate); the shifts exact ones.
static void decode_op_imm32(u32 inst, struct rv64_decoded *d) {
    u32 shamt = (inst >> 20) & 31u;
    switch ((FUNCT7(inst) << 3) | FUNCT3(inst)) {
    case 0x001: set(d, RV64_OP_SLLIW, RD(inst), RS1(inst), 0, shamt, 4); break;
    case 0x005: set(d, RV64_OP_SRLIW, RD(inst), RS1(inst), 0, shamt, 4); break;
    case 0x105: set(d, RV64_OP_SRAIW, RD(inst), RS1(inst), 0, shamt, 4); break;
    default:
        if (FUNCT3(inst) == 0) set(d, RV64_OP_ADDIW, RD(inst), RS1(inst), 0, imm_i(inst), 4);
        break;
    }
}

static void decode_memory(u32 inst, struct rv64_decoded *d) {
    static const enum rv64_op loads[8] = {RV64_OP_LB,  RV64_OP_LH,  RV64_OP_LW,  RV64_OP_LD,
                                          RV64_OP_LBU, RV64_OP_LHU, RV64_OP_LWU, RV64_OP_SLOW};
    static const enum rv64_op stores[4] = {RV64_OP_SB, RV64_OP_SH, RV64_OP_SW, RV64_OP_SD};
    u32 funct3 = FUNCT3(inst);
    if (((inst >> 2) & 31u) == 0x00) {
        if (loads[funct3] != RV64_OP_SLOW) set(d, loads[funct3], RD(inst), RS1(inst), 0, imm_i(inst), 4);
    } else if (funct3 < 4) {
        set(d, stores[funct3], 0, RS1(inst), RS2(inst), imm_s(inst), 4);
    }
}

static void decode_32(u32 inst, struct rv64_decoded *d) {
    static const enum rv64_op branches[8] = {RV64_OP_BEQ, RV64_OP_BNE,  RV64_OP_SLOW, RV64_OP_SLOW,
                                             RV64_OP_BLT, RV64_OP_BGE,  RV64_OP_BLTU, RV64_OP_BGEU};
    assert((inst & 3u) == 3u);
    assert(d->op == RV64_OP_SLOW);
    u32 funct3 = FUNCT3(inst);
    switch ((inst >> 2) & 31u) {
    case 0x00: decode_memory(inst, d); break;
    case 0x08: decode_memory(inst, d); break;
    case 0x04: decode_op_imm(inst, d); break;
    case 0x05: set(d, RV64_OP_AUIPC, RD(inst), 0, 0, imm_u(inst), 4); break;
    case 0x06: decode_op_imm32(inst, d); break;
    case 0x0c: decode_op(inst, d); break;
    case 0x0d: set(d, RV64_OP_LUI, RD(inst), 0, 0, imm_u(inst), 4); break;
    case 0x0e: decode_op32(inst, d); break;
    case 0x18:
        if (branches[funct3] != RV64_OP_SLOW) {
            set(d, branches[funct3], 0, RS1(inst), RS2(inst), imm_b(inst), 4);
        }
        break;
    case 0x19:
        if (funct3 == 0) set(d, RV64_OP_JALR, RD(inst), RS1(inst), 0, imm_i(inst), 4);
        break;
    case 0x1b: set(d, RV64_OP_JAL, RD(inst), 0, 0, imm_j(inst), 4); break;
    default: break; // FENCE, AMO, SYSTEM and what is not RV64IMAC: the slow path
    }
}

static void decode_c_q0(u32 c, struct rv64_decoded *d) {
    switch (c >> 13) {
    case 0: { // c.addi4spn; nzuimm = 0 is reserved (slow: illegal)
        u32 nzuimm = (((c >> 7) & 15u) << 6) | (((c >> 11) & 3u) << 4) |
                     (((c >> 5) & 1u) << 3) | (((c >> 6) & 1u) << 2);
        if (nzuimm != 0) set(d, RV64_OP_ADDI, C_RD_PRIME(c), 2, 0, nzuimm, 2);
        break;
    }
    case 2: set(d, RV64_OP_LW, C_RD_PRIME(c), C_RS1_PRIME(c), 0, c_uimm_w(c), 2); break;
    case 3: set(d, RV64_OP_LD, C_RD_PRIME(c), C_RS1_PRIME(c), 0, c_uimm_d(c), 2); break;
    case 6: set(d, RV64_OP_SW, 0, C_RS1_PRIME(c), C_RD_PRIME(c), c_uimm_w(c), 2); break;
    case 7: set(d, RV64_OP_SD, 0, C_RS1_PRIME(c), C_RD_PRIME(c), c_uimm_d(c), 2); break;
    default: break; // c.fld, reserved, c.fsd
    }
}

// Quadrant 1, funct3 = 100: shifts, andi and register-register arithmetic on x8-x15.
static void decode_c_alu(u32 c, struct rv64_decoded *d) {
    static const enum rv64_op ops[8] = {RV64_OP_SUB,  RV64_OP_XOR,  RV64_OP_OR,   RV64_OP_AND,
                                        RV64_OP_SUBW, RV64_OP_ADDW, RV64_OP_SLOW, RV64_OP_SLOW};
    u32 rd = C_RS1_PRIME(c);
    switch ((c >> 10) & 3u) {
    case 0: set(d, RV64_OP_SRLI, rd, rd, 0, c_shamt(c), 2); break;
    case 1: set(d, RV64_OP_SRAI, rd, rd, 0, c_shamt(c), 2); break;
    case 2: set(d, RV64_OP_ANDI, rd, rd, 0, c_imm6(c), 2); break;
    default: {
        enum rv64_op op = ops[(C_BIT12(c) << 2) | ((c >> 5) & 3u)];
        if (op != RV64_OP_SLOW) set(d, op, rd, rd, C_RD_PRIME(c), 0, 2);
    }
    }
}

static void decode_c_q1(u32 c, struct rv64_decoded *d) {
    u32 rd = C_RD(c);
    switch (c >> 13) {
    case 0: set(d, RV64_OP_ADDI, rd, rd, 0, c_imm6(c), 2); break; // c.addi, c.nop
    case 1: // c.addiw; rd = x0 is reserved
        if (rd != 0) set(d, RV64_OP_ADDIW, rd, rd, 0, c_imm6(c), 2);
        break;
    case 2: set(d, RV64_OP_ADDI, rd, 0, 0, c_imm6(c), 2); break; // c.li
    case 3: { // c.addi16sp (rd = x2) or c.lui; a zero immediate is reserved
        u64 imm16sp = sext((C_BIT12(c) << 9) | (((c >> 6) & 1u) << 4) | (((c >> 5) & 1u) << 6) |
                               (((c >> 3) & 3u) << 7) | (((c >> 2) & 1u) << 5),
                           10);
        u64 imm_lui = sext((C_BIT12(c) << 17) | (((c >> 2) & 31u) << 12), 18);
        if (rd == 2 && imm16sp != 0) set(d, RV64_OP_ADDI, 2, 2, 0, imm16sp, 2);
        if (rd != 2 && imm_lui != 0) set(d, RV64_OP_LUI, rd, 0, 0, imm_lui, 2);
        break;
    }
    case 4: decode_c_alu(c, d); break;
    case 5: set(d, RV64_OP_JAL, 0, 0, 0, c_imm_j(c), 2); break; // c.j
    case 6: set(d, RV64_OP_BEQ, 0, C_RS1_PRIME(c), 0, c_imm_b(c), 2); break; // c.beqz
    default: set(d, RV64_OP_BNE, 0, C_RS1_PRIME(c), 0, c_imm_b(c), 2); break; // c.bnez
    }
}

// Quadrant 2, funct3 = 100: c.jr, c.mv, c.ebreak (slow), c.jalr, c.add.
static void decode_c_jr_mv_add(u32 c, struct rv64_decoded *d) {
    u32 rd = C_RD(c);
    u32 rs2 = C_RS2(c);
    if (rs2 != 0) { // c.mv (x0 + rs2) or c.add
        set(d, RV64_OP_ADD, rd, C_BIT12(c) == 0 ? 0 : rd, rs2, 0, 2);
    } else if (rd != 0) { // c.jr or c.jalr (JALR reads rs1 before it writes ra)
        set(d, RV64_OP_JALR, C_BIT12(c) == 0 ? 0 : 1, rd, 0, 0, 2);
    }
}

static void decode_c_q2(u32 c, struct rv64_decoded *d) {
    u32 rd = C_RD(c);
    switch (c >> 13) {
    case 0: set(d, RV64_OP_SLLI, rd, rd, 0, c_shamt(c), 2); break;
    case 2: { // c.lwsp; rd = x0 is reserved
        u64 off = (C_BIT12(c) << 5) | (((c >> 4) & 7u) << 2) | (((c >> 2) & 3u) << 6);
        if (rd != 0) set(d, RV64_OP_LW, rd, 2, 0, off, 2);
        break;
    }
    case 3: { // c.ldsp; rd = x0 is reserved
        u64 off = (C_BIT12(c) << 5) | (((c >> 5) & 3u) << 3) | (((c >> 2) & 7u) << 6);
        if (rd != 0) set(d, RV64_OP_LD, rd, 2, 0, off, 2);
        break;
    }
    case 4: decode_c_jr_mv_add(c, d); break;
    case 6: set(d, RV64_OP_SW, 0, 2, C_RS2(c), (((c >> 9) & 15u) << 2) | (((c >> 7) & 3u) << 6), 2); break;
    case 7: set(d, RV64_OP_SD, 0, 2, C_RS2(c), (((c >> 10) & 7u) << 3) | (((c >> 7) & 7u) << 6), 2); break;
    default: break; // c.fldsp, c.fsdsp
    }
}

void rv64_decode(u32 word, struct rv64_decoded *out) {
    assert(out != NULL);
    slow(out); // unless a case below knows the encoding
    out->raw = word;
    u32 c = word & 0xffffu;
    switch (word & 3u) {
    case 0: decode_c_q0(c, out); break;
    case 1: decode_c_q1(c, out); break;
    case 2: decode_c_q2(c, out); break;
    default: decode_32(word, out); break;
    }
    assert(out->raw == word);
}
