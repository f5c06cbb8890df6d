// The interpreter's run loop with the decode cache (rv64_decode.h): code runs from
// decoded basic blocks instead of being decoded at every execution. Same instructions,
// counts, traps and memory as rv64.c's run_loop, so a run's trace is the same with or
// without the cache (basin-sim --no-block-cache). A block's bytes are compared with
// memory when it is first entered in a stretch over its page, and a store into that
// page's frame (or any slow store or op) ends the stretch, so no block can run stale
// code: a mismatch decodes the block again from what memory holds now.
#include "sim/machine/rv64_cpu.h"

enum op_end {
    OP_END,   // ran to the last block's end: go on at cpu->block_next_pc
    OP_JUMP,  // a control op retired and ended the last block: at cpu->block_next_pc
    OP_LEAVE, // an op retired; look the page up again (a new stretch)
    OP_TRAP,  // an op trapped: cpu->trap and cpu->pc are set
};

#define CHAIN_BLOCKS_MAX 32u // blocks run one from another before returning to run_page

// Whether memory still holds the bytes the block was decoded from, 8 at a time (the
// last 8 overlap the ones before); source_bytes is even, 4 to 64, inside the page.
RV64_INLINE bool block_current(const struct rv64_block *block, const u8 *page_host) {
    const u8 *now = page_host + block->start_offset_bytes;
    const u8 *then = block->source;
    u32 size = block->source_bytes;
    if (size < 8) { // one op: its 4 bytes, and 2 more for a 16-bit op before the last
        u32 low[2] = {0, 0};
        u32 high[2] = {0, 0};
        memcpy(&low[0], now, 4);
        memcpy(&low[1], then, 4);
        memcpy(&high[0], now + size - 4, 4);
        memcpy(&high[1], then + size - 4, 4);
        return low[0] == low[1] && high[0] == high[1];
    }
    u64 diff = 0;
    for (u32 i = 0; i + 8 < size; i += 8) {
        u64 a = 0;
        u64 b = 0;
        memcpy(&a, now + i, 8);
        memcpy(&b, then + i, 8);
        diff |= a ^ b;
    }
    u64 a = 0;
    u64 b = 0;
    memcpy(&a, now + size - 8, 8);
    memcpy(&b, then + size - 8, 8);
    return (diff | (a ^ b)) == 0;
}

// Every op is a function that runs its instruction, then the next op's in tail
// position: so each op ends with its own indirect jump (gcc and clang make these tail
// calls jumps when optimizing), which the host predicts far better than one switch
// shared by all; where they stay calls, CHAIN_BLOCKS_MAX blocks of at most
// RV64_BLOCK_OPS_MAX + 1 ops bound the depth.
typedef enum op_end (*op_fn)(struct rv64_cpu *cpu, const struct rv64_decoded *d);
static const op_fn op_fns[RV64_OP_COUNT];

#define NEXT_OP(cpu, d) op_fns[(d)[1].op]((cpu), (d) + 1)
#define OP_PC(cpu, d) ((cpu)->block_page_va + (d)->offset_bytes)

// An op ending the block at d: where to go on, and how many of the block's ops
// retired (those before d, and d unless it trapped or is the end mark).
RV64_INLINE enum op_end stop(struct rv64_cpu *cpu, const struct rv64_decoded *d, u64 next_pc,
                             enum op_end how) {
    cpu->block_next_pc = next_pc;
    cpu->run_retired += d->index + (u64)(how == OP_JUMP || how == OP_LEAVE);
    return how;
}

// A control op at d retired, to next_pc: runs the block there at once when it is in
// the page and already checked in this stretch, and the budget and depth allow it.
RV64_INLINE enum op_end jump(struct rv64_cpu *cpu, const struct rv64_decoded *d, u64 next_pc) {
    enum op_end how = stop(cpu, d, next_pc, OP_JUMP);
    u64 offset = next_pc - cpu->block_page_va;
    if (offset > RV64_PAGE_SIZE_BYTES - 4 || cpu->run_retired > cpu->run_chain_until) return how;
    if (cpu->run_chain_left == 0) return how;
    u32 number = cpu->fetch_page->block_of[offset >> 1];
    if (number == 0) return how;
    const struct rv64_block *block = &cpu->fetch_page->blocks[number - 1];
    if (block->checked_epoch != cpu->run_epoch) return how;
    cpu->run_chain_left--;
    return op_fns[block->ops[0].op](cpu, block->ops);
}

// An ALU op: rd = expr, of a (rs1), b (rs2) and imm. ALU ops never write x0
// (rv64_decode makes those RV64_OP_NOP).
#define ALU_OP(name, expr)                                                           \
static enum op_end op_##name(struct rv64_cpu *cpu, const struct rv64_decoded *d)     \
{                                                                                    \
    u64 a = cpu->x[d->rs1];                                                          \
    u64 b = cpu->x[d->rs2];                                                          \
    u64 imm = (u64)(i64)d->imm; /* a conversion C defines: the value, modulo 2^64 */ \
    (void)a;                                                                         \
    (void)b;                                                                         \
    (void)imm;                                                                       \
    cpu->x[d->rd] = (expr);                                                          \
    return NEXT_OP(cpu, d);                                                          \
}

ALU_OP(addi, a + imm)
ALU_OP(addiw, sext32(a + imm))
ALU_OP(andi, a & imm)
ALU_OP(ori, a | imm)
ALU_OP(xori, a ^ imm)
ALU_OP(slti, lt_signed(a, imm))
ALU_OP(sltiu, a < imm)
ALU_OP(slli, a << (imm & 63))
ALU_OP(srli, a >> (imm & 63))
ALU_OP(srai, sra64(a, (u32)(imm & 63)))
ALU_OP(add, a + b)
ALU_OP(sub, a - b)
ALU_OP(and, a & b)
ALU_OP(or, a | b)
ALU_OP(xor, a ^ b)
ALU_OP(sltu, a < b)
ALU_OP(slt, lt_signed(a, b))
ALU_OP(sll, a << (b & 63))
ALU_OP(srl, a >> (b & 63))
ALU_OP(mul, a * b)
ALU_OP(addw, sext32(a + b))
ALU_OP(subw, sext32(a - b))
ALU_OP(auipc, OP_PC(cpu, d) + imm)
ALU_OP(lui, imm)

// The rarer ALU ops (RV64_OP_RARE_FIRST to RV64_OP_ALU_LAST): the value for rd.
RV64_INLINE u64 alu_rare(u32 op, u64 a, u64 b, u32 shamt) {
    u32 word_shift = (u32)(b & 31);
    switch (op) {
    case RV64_OP_SRA: return sra64(a, (u32)(b & 63));
    case RV64_OP_MULH: return mulh(a, b);
    case RV64_OP_MULHSU: return mulhsu(a, b);
    case RV64_OP_MULHU: return mulhu(a, b);
    case RV64_OP_DIV: return div64(a, b);
    case RV64_OP_DIVU: return divu64(a, b);
    case RV64_OP_REM: return rem64(a, b);
    case RV64_OP_REMU: return remu64(a, b);
    case RV64_OP_SLLW: return sext32(a << word_shift);
    case RV64_OP_SRLW: return sext32((a & 0xffffffffull) >> word_shift);
    case RV64_OP_SRAW: return sra64(sext32(a), word_shift);
    case RV64_OP_MULW: return sext32(a * b);
    case RV64_OP_DIVW: return div32(a, b);
    case RV64_OP_DIVUW: return divu32(a, b);
    case RV64_OP_REMW: return rem32(a, b);
    case RV64_OP_REMUW: return remu32(a, b);
    case RV64_OP_SLLIW: return sext32(a << shamt);
    case RV64_OP_SRLIW: return sext32((a & 0xffffffffull) >> shamt);
    default: return sra64(sext32(a), shamt); // SRAIW
    }
}

// Each its own op, so that alu_rare's switch folds away.
ALU_OP(sra, alu_rare(RV64_OP_SRA, a, b, (u32)(imm & 63)))
ALU_OP(mulh, alu_rare(RV64_OP_MULH, a, b, (u32)(imm & 63)))
ALU_OP(mulhsu, alu_rare(RV64_OP_MULHSU, a, b, (u32)(imm & 63)))
ALU_OP(mulhu, alu_rare(RV64_OP_MULHU, a, b, (u32)(imm & 63)))
ALU_OP(div, alu_rare(RV64_OP_DIV, a, b, (u32)(imm & 63)))
ALU_OP(divu, alu_rare(RV64_OP_DIVU, a, b, (u32)(imm & 63)))
ALU_OP(rem, alu_rare(RV64_OP_REM, a, b, (u32)(imm & 63)))
ALU_OP(remu, alu_rare(RV64_OP_REMU, a, b, (u32)(imm & 63)))
ALU_OP(sllw, alu_rare(RV64_OP_SLLW, a, b, (u32)(imm & 63)))
ALU_OP(srlw, alu_rare(RV64_OP_SRLW, a, b, (u32)(imm & 63)))
ALU_OP(sraw, alu_rare(RV64_OP_SRAW, a, b, (u32)(imm & 63)))
ALU_OP(mulw, alu_rare(RV64_OP_MULW, a, b, (u32)(imm & 63)))
ALU_OP(divw, alu_rare(RV64_OP_DIVW, a, b, (u32)(imm & 63)))
ALU_OP(divuw, alu_rare(RV64_OP_DIVUW, a, b, (u32)(imm & 63)))
ALU_OP(remw, alu_rare(RV64_OP_REMW, a, b, (u32)(imm & 63)))
ALU_OP(remuw, alu_rare(RV64_OP_REMUW, a, b, (u32)(imm & 63)))
ALU_OP(slliw, alu_rare(RV64_OP_SLLIW, a, b, (u32)(imm & 63)))
ALU_OP(srliw, alu_rare(RV64_OP_SRLIW, a, b, (u32)(imm & 63)))
ALU_OP(sraiw, alu_rare(RV64_OP_SRAIW, a, b, (u32)(imm & 63)))

static enum op_end op_nop(struct rv64_cpu *cpu, const struct rv64_decoded *d)
{
    return NEXT_OP(cpu, d);
}

// A conditional branch: taken when cond, of a (rs1) and b (rs2).
#define BRANCH_OP(name, cond)                                                        \
static enum op_end op_##name(struct rv64_cpu *cpu, const struct rv64_decoded *d)     \
{                                                                                    \
    u64 a = cpu->x[d->rs1];                                                          \
    u64 b = cpu->x[d->rs2];                                                          \
    u64 pc = OP_PC(cpu, d);                                                          \
    u64 next_pc = (cond) ? pc + (u64)(i64)d->imm : pc + d->size_bytes;               \
    return jump(cpu, d, next_pc);                                                    \
}

BRANCH_OP(beq, a == b)
BRANCH_OP(bne, a != b)
BRANCH_OP(blt, lt_signed(a, b))
BRANCH_OP(bge, !lt_signed(a, b))
BRANCH_OP(bltu, a < b)
BRANCH_OP(bgeu, a >= b)

static enum op_end op_jal(struct rv64_cpu *cpu, const struct rv64_decoded *d)
{
    u64 pc = OP_PC(cpu, d);
    cpu->x[d->rd] = pc + d->size_bytes;
    cpu->x[0] = 0;
    return jump(cpu, d, pc + (u64)(i64)d->imm);
}

static enum op_end op_jalr(struct rv64_cpu *cpu, const struct rv64_decoded *d)
{
    u64 target = (cpu->x[d->rs1] + (u64)(i64)d->imm) & ~1ull; // read before rd is written
    cpu->x[d->rd] = OP_PC(cpu, d) + d->size_bytes;
    cpu->x[0] = 0;
    return jump(cpu, d, target);
}

// After the block's last op, when that one does not jump.
static enum op_end op_block_end(struct rv64_cpu *cpu, const struct rv64_decoded *d)
{
    return stop(cpu, d, OP_PC(cpu, d), OP_END);
}

// A load the fast path declined (apart, so that the fast path keeps no stack frame
// and its next op stays a tail call). cpu->pc is the op's own for the trap a fault
// leaves.
__attribute__((noinline)) static enum op_end load_slow_op(struct rv64_cpu *cpu,
                                                          const struct rv64_decoded *d, u64 va,
                                                          u32 size_bytes, u32 sign_bits) {
    u64 v = 0;
    if (!rv64_load_slow(cpu, va, size_bytes, &v)) {
        cpu->pc = OP_PC(cpu, d);
        cpu->x[0] = 0;
        return stop(cpu, d, 0, OP_TRAP);
    }
    cpu->x[d->rd] = sign_bits != 0 ? sext(v, sign_bits) : v;
    cpu->x[0] = 0;
    // A walk may have flushed the TLB, the fetch page with it: look it up again.
    if (cpu->fetch_vpn != (cpu->block_page_va >> PAGE_SHIFT)) {
        return stop(cpu, d, OP_PC(cpu, d) + d->size_bytes, OP_LEAVE);
    }
    return NEXT_OP(cpu, d);
}

// A load into rd, sign-extended from sign_bits unless 0 (the TLB's fast path, as load).
RV64_INLINE enum op_end load_op(struct rv64_cpu *cpu, const struct rv64_decoded *d,
                                u32 size_bytes, u32 sign_bits) {
    u64 va = cpu->x[d->rs1] + (u64)(i64)d->imm;
    u64 vpn = va >> PAGE_SHIFT;
    u64 offset = va & PAGE_OFFSET_MASK;
    const struct tlb_entry *entry = &cpu->tlb[vpn & (TLB_ENTRIES_COUNT - 1)];
    if (entry->tag_read != vpn || offset > RV64_PAGE_SIZE_BYTES - size_bytes) {
        return load_slow_op(cpu, d, va, size_bytes, sign_bits);
    }
    u64 v = 0;
    memcpy(&v, entry->host + offset, size_bytes);
    cpu->x[d->rd] = sign_bits != 0 ? sext(v, sign_bits) : v;
    cpu->x[0] = 0;
    return NEXT_OP(cpu, d);
}

// A store the fast path declined (apart, as load_slow_op): it may have been anywhere.
__attribute__((noinline)) static enum op_end store_slow_op(struct rv64_cpu *cpu,
                                                           const struct rv64_decoded *d, u64 va,
                                                           u32 size_bytes) {
    cpu->pc = OP_PC(cpu, d);
    bool ok = rv64_store_slow(cpu, va, size_bytes, cpu->x[d->rs2]);
    return stop(cpu, d, OP_PC(cpu, d) + d->size_bytes, ok ? OP_LEAVE : OP_TRAP);
}

// A store. Only the CPU writes memory while blocks run, and every block is checked
// at entry: so a store into the fetch page's frame (or one the fast path declined,
// which may be anywhere) ends the stretch (OP_LEAVE), and every block entered after
// it is checked again before it runs.
RV64_INLINE enum op_end store_op(struct rv64_cpu *cpu, const struct rv64_decoded *d,
                                 u32 size_bytes) {
    u64 va = cpu->x[d->rs1] + (u64)(i64)d->imm;
    u64 vpn = va >> PAGE_SHIFT;
    u64 offset = va & PAGE_OFFSET_MASK;
    const struct tlb_entry *entry = &cpu->tlb[vpn & (TLB_ENTRIES_COUNT - 1)];
    if (entry->tag_write != vpn || offset > RV64_PAGE_SIZE_BYTES - size_bytes) {
        return store_slow_op(cpu, d, va, size_bytes);
    }
    u64 value = cpu->x[d->rs2];
    memcpy(entry->host + offset, &value, size_bytes);
    if (entry->host == cpu->fetch_host) {
        return stop(cpu, d, OP_PC(cpu, d) + d->size_bytes, OP_LEAVE);
    }
    return NEXT_OP(cpu, d);
}

#define LOAD_OP(name, size_bytes, sign_bits)                                         \
static enum op_end op_##name(struct rv64_cpu *cpu, const struct rv64_decoded *d)     \
{                                                                                    \
    return load_op(cpu, d, size_bytes, sign_bits);                                   \
}
#define STORE_OP(name, size_bytes)                                                   \
static enum op_end op_##name(struct rv64_cpu *cpu, const struct rv64_decoded *d)     \
{                                                                                    \
    return store_op(cpu, d, size_bytes);                                             \
}

LOAD_OP(lb, 1, 8)
LOAD_OP(lh, 2, 16)
LOAD_OP(lw, 4, 32)
LOAD_OP(ld, 8, 0)
LOAD_OP(lbu, 1, 0)
LOAD_OP(lhu, 2, 0)
LOAD_OP(lwu, 4, 0)
STORE_OP(sb, 1)
STORE_OP(sh, 2)
STORE_OP(sw, 4)
STORE_OP(sd, 8)

// The slow op, always its block's last: the full decoder from the raw bits. It may
// store (AMO, SC) or flush the TLB, so the page is looked up again after it.
static enum op_end op_slow(struct rv64_cpu *cpu, const struct rv64_decoded *d)
{
    cpu->pc = OP_PC(cpu, d);
    bool ok = rv64_exec_raw(cpu, d->raw);
    cpu->x[0] = 0;
    return stop(cpu, d, cpu->pc, ok ? OP_LEAVE : OP_TRAP);
}

static const op_fn op_fns[RV64_OP_COUNT] = {
    [RV64_OP_SLOW] = op_slow,   [RV64_OP_NOP] = op_nop,     [RV64_OP_ADDI] = op_addi,
    [RV64_OP_ADDIW] = op_addiw, [RV64_OP_ANDI] = op_andi,   [RV64_OP_ORI] = op_ori,
    [RV64_OP_XORI] = op_xori,   [RV64_OP_SLTI] = op_slti,   [RV64_OP_SLTIU] = op_sltiu,
    [RV64_OP_SLLI] = op_slli,   [RV64_OP_SRLI] = op_srli,   [RV64_OP_SRAI] = op_srai,
    [RV64_OP_ADD] = op_add,     [RV64_OP_SUB] = op_sub,     [RV64_OP_AND] = op_and,
    [RV64_OP_OR] = op_or,       [RV64_OP_XOR] = op_xor,     [RV64_OP_SLTU] = op_sltu,
    [RV64_OP_SLT] = op_slt,     [RV64_OP_SLL] = op_sll,     [RV64_OP_SRL] = op_srl,
    [RV64_OP_MUL] = op_mul,     [RV64_OP_ADDW] = op_addw,   [RV64_OP_SUBW] = op_subw,
    [RV64_OP_AUIPC] = op_auipc, [RV64_OP_LUI] = op_lui,
    [RV64_OP_SRA] = op_sra,     [RV64_OP_MULH] = op_mulh,   [RV64_OP_MULHSU] = op_mulhsu,
    [RV64_OP_MULHU] = op_mulhu, [RV64_OP_DIV] = op_div,     [RV64_OP_DIVU] = op_divu,
    [RV64_OP_REM] = op_rem,     [RV64_OP_REMU] = op_remu,   [RV64_OP_SLLW] = op_sllw,
    [RV64_OP_SRLW] = op_srlw,   [RV64_OP_SRAW] = op_sraw,   [RV64_OP_MULW] = op_mulw,
    [RV64_OP_DIVW] = op_divw,   [RV64_OP_DIVUW] = op_divuw, [RV64_OP_REMW] = op_remw,
    [RV64_OP_REMUW] = op_remuw, [RV64_OP_SLLIW] = op_slliw, [RV64_OP_SRLIW] = op_srliw,
    [RV64_OP_SRAIW] = op_sraiw,
    [RV64_OP_LB] = op_lb,       [RV64_OP_LH] = op_lh,       [RV64_OP_LW] = op_lw,
    [RV64_OP_LD] = op_ld,       [RV64_OP_LBU] = op_lbu,     [RV64_OP_LHU] = op_lhu,
    [RV64_OP_LWU] = op_lwu,     [RV64_OP_SB] = op_sb,       [RV64_OP_SH] = op_sh,
    [RV64_OP_SW] = op_sw,       [RV64_OP_SD] = op_sd,       [RV64_OP_BEQ] = op_beq,
    [RV64_OP_BNE] = op_bne,     [RV64_OP_BLT] = op_blt,     [RV64_OP_BGE] = op_bge,
    [RV64_OP_BLTU] = op_bltu,   [RV64_OP_BGEU] = op_bgeu,   [RV64_OP_JAL] = op_jal,
    [RV64_OP_JALR] = op_jalr,   [RV64_OP_BLOCK_END] = op_block_end,
};

// The block at offset, decoded again unless memory still holds its bytes, now
// known current in this epoch.
static struct rv64_block *block_enter(struct rv64_decode_page *page, const u8 *host, u32 offset,
                                      u64 epoch) {
    assert(epoch != 0);
    struct rv64_block *block = rv64_block_at(page, host, offset);
    if (!block_current(block, host)) block = rv64_block_build(page, host, offset);
    assert(block->count != 0);
    assert(op_fns[block->ops[0].op] != NULL);
    block->checked_epoch = epoch;
    return block;
}

// Runs whole decoded blocks while the pc stays in the fetch page and the budget has
// room for one (at least RV64_BLOCK_OPS_MAX left); returns how many retired, with
// cpu->pc the next instruction, or *trapped and cpu->trap set. Leaves for
// rv64_run_cached whatever needs the page looked up again. Each block is compared with
// memory (block_current) when first entered in the stretch (rv64_decode_cache's
// epoch): a difference decodes it again first. Blocks already checked run one from
// another (jump); the others come back here.
static u64 run_page(struct rv64_cpu *cpu, u64 budget, bool *trapped) {
    assert(budget >= RV64_BLOCK_OPS_MAX);
    assert(cpu->fetch_page != NULL);
    u64 page_va = cpu->pc & ~PAGE_OFFSET_MASK;
    const u8 *host = cpu->fetch_host;
    struct rv64_decode_page *page = cpu->fetch_page;
    u64 epoch = ++cpu->decode->epoch; // a new stretch: every block is checked again
    u64 next_pc = cpu->pc;
    cpu->block_page_va = page_va;
    cpu->run_retired = 0;
    cpu->run_chain_until = budget - RV64_BLOCK_OPS_MAX;
    cpu->run_epoch = epoch;
    // One unsigned comparison: in this page, with a whole word left in it.
    while (cpu->run_retired <= cpu->run_chain_until &&
           next_pc - page_va <= RV64_PAGE_SIZE_BYTES - 4) {
        u32 offset = (u32)(next_pc - page_va);
        u32 number = page->block_of[offset >> 1];
        struct rv64_block *block = number != 0 ? &page->blocks[number - 1] : NULL;
        // checked_epoch is set only on a built block (count != 0) found current.
        if (block == NULL || block->checked_epoch != epoch) {
            block = block_enter(page, host, offset, epoch);
        }
        cpu->run_chain_left = CHAIN_BLOCKS_MAX;
        enum op_end how = op_fns[block->ops[0].op](cpu, block->ops);
        next_pc = cpu->block_next_pc;
        if (how == OP_TRAP) {
            *trapped = true;
            return cpu->run_retired;
        }
        if (how == OP_LEAVE) break;
    }
    assert(cpu->run_retired <= budget);
    cpu->pc = next_pc;
    return cpu->run_retired;
}

u64 rv64_run_cached(struct rv64_cpu *cpu, u64 instruction_budget) {
    assert(cpu->decode != NULL);
    assert(cpu->trap.cause == 0);
    u64 retired = 0;
    while (retired < instruction_budget) {
        u64 pc = cpu->pc;
        u64 offset = pc & PAGE_OFFSET_MASK;
        // run_page runs whole blocks: the budget's last few go one by one below.
        if ((pc >> PAGE_SHIFT) == cpu->fetch_vpn && offset <= RV64_PAGE_SIZE_BYTES - 4 &&
            instruction_budget - retired >= RV64_BLOCK_OPS_MAX) {
            bool trapped = false;
            retired += run_page(cpu, instruction_budget - retired, &trapped);
            if (trapped) return retired;
            continue;
        }
        u32 inst = 0; // a new page, its last halfword, or the budget's end: as run_loop does
        if (!rv64_fetch_slow(cpu, pc, &inst)) return retired;
        bool ok = rv64_exec_raw(cpu, inst);
        cpu->x[0] = 0;
        if (!ok) return retired;
        retired++;
    }
    cpu->trap.cause = TRAP_TIMER_INTERRUPT;
    cpu->trap.tval = 0;
    return retired;
}
