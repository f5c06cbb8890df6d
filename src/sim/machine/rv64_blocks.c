// The interpreter's run loop with the decode cache (rv64_decode.h): code runs from
// decoded basic blocks instead of being decoded at every execution. Same instructions,
// counts, traps and memory as rv64.c's run_loop, so a run's trace is the same with or
// without the cache (basin-sim --no-block-cache). Each op's bits are compared with
// memory right before it runs, so no block can run stale code: a mismatch empties
// the block and the loop decodes it again from what memory holds now.
#include "sim/machine/rv64_cpu.h"

enum block_end {
    BLOCK_DONE,  // ran to its end (or the budget's): *next_pc is where to go on
    BLOCK_LEAVE, // look the page up again: an op changed, or the TLB was flushed
    BLOCK_TRAP,  // an op trapped: cpu->trap and cpu->pc are set
};

// A load or store; false with cpu->trap set on a fault.
RV64_INLINE bool memory_decoded(struct rv64_cpu *cpu, const struct rv64_decoded *d) {
    u64 *x = cpu->x;
    u64 va = x[d->rs1] + (u64)(i64)d->imm;
    u64 v = 0;
    bool ok;
    switch (d->op) {
    case RV64_OP_LB: ok = load(cpu, va, 1, &v); v = sext(v, 8); break;
    case RV64_OP_LH: ok = load(cpu, va, 2, &v); v = sext(v, 16); break;
    case RV64_OP_LW: ok = load(cpu, va, 4, &v); v = sext(v, 32); break;
    case RV64_OP_LD: ok = load(cpu, va, 8, &v); break;
    case RV64_OP_LBU: ok = load(cpu, va, 1, &v); break;
    case RV64_OP_LHU: ok = load(cpu, va, 2, &v); break;
    case RV64_OP_LWU: ok = load(cpu, va, 4, &v); break;
    case RV64_OP_SB: return store(cpu, va, 1, x[d->rs2]);
    case RV64_OP_SH: return store(cpu, va, 2, x[d->rs2]);
    case RV64_OP_SW: return store(cpu, va, 4, x[d->rs2]);
    default: return store(cpu, va, 8, x[d->rs2]); // SD
    }
    if (ok) x[d->rd] = v;
    return ok;
}

// A memory or slow op (the last op of its block if slow); sets *next_pc when it ends
// the block. cpu->pc is the op's own for the trap a fault leaves.
RV64_INLINE enum block_end run_other(struct rv64_cpu *cpu, const struct rv64_decoded *d, u64 pc,
                                     u64 *next_pc) {
    cpu->pc = pc;
    bool slow = d->op == RV64_OP_SLOW;
    bool ok = slow ? rv64_exec_raw(cpu, d->raw) : memory_decoded(cpu, d);
    cpu->x[0] = 0;
    if (!ok) return BLOCK_TRAP;
    *next_pc = slow ? cpu->pc : pc + d->size_bytes;
    // A store to a page table flushes the TLB, the fetch page with it: look it up again.
    if (cpu->fetch_vpn != (pc >> PAGE_SHIFT)) return BLOCK_LEAVE;
    return BLOCK_DONE;
}

// The rarer ALU ops (RV64_OP_RARE_FIRST to RV64_OP_ALU_LAST): the value for rd.
static inline u64 alu_rare(u32 op, u64 a, u64 b, u32 shamt) {
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

enum op_end {
    OP_NEXT,  // go on with the block's next op
    OP_JUMP,  // the block ends here (control or slow op): go on at *next_pc
    OP_LEAVE, // go on at *next_pc, but look the page up again
    OP_TRAP,  // cpu->trap and cpu->pc are set
};

// One op at pc. ALU ops never write x0 (rv64_decode makes those RV64_OP_NOP), so only
// the others clear it.
RV64_INLINE enum op_end run_op(struct rv64_cpu *cpu, const struct rv64_decoded *d, u64 pc,
                               u64 *next_pc) {
    u64 *x = cpu->x;
    u64 a = x[d->rs1];
    u64 imm = (u64)(i64)d->imm; // a conversion C defines: the value, modulo 2^64
    switch (d->op) {
    case RV64_OP_NOP: return OP_NEXT;
    case RV64_OP_ADDI: x[d->rd] = a + imm; return OP_NEXT;
    case RV64_OP_ADDIW: x[d->rd] = sext32(a + imm); return OP_NEXT;
    case RV64_OP_ANDI: x[d->rd] = a & imm; return OP_NEXT;
    case RV64_OP_ORI: x[d->rd] = a | imm; return OP_NEXT;
    case RV64_OP_XORI: x[d->rd] = a ^ imm; return OP_NEXT;
    case RV64_OP_SLTI: x[d->rd] = lt_signed(a, imm); return OP_NEXT;
    case RV64_OP_SLTIU: x[d->rd] = a < imm; return OP_NEXT;
    case RV64_OP_SLLI: x[d->rd] = a << (imm & 63); return OP_NEXT;
    case RV64_OP_SRLI: x[d->rd] = a >> (imm & 63); return OP_NEXT;
    case RV64_OP_SRAI: x[d->rd] = sra64(a, (u32)(imm & 63)); return OP_NEXT;
    case RV64_OP_ADD: x[d->rd] = a + x[d->rs2]; return OP_NEXT;
    case RV64_OP_SUB: x[d->rd] = a - x[d->rs2]; return OP_NEXT;
    case RV64_OP_AND: x[d->rd] = a & x[d->rs2]; return OP_NEXT;
    case RV64_OP_OR: x[d->rd] = a | x[d->rs2]; return OP_NEXT;
    case RV64_OP_XOR: x[d->rd] = a ^ x[d->rs2]; return OP_NEXT;
    case RV64_OP_SLTU: x[d->rd] = a < x[d->rs2]; return OP_NEXT;
    case RV64_OP_SLT: x[d->rd] = lt_signed(a, x[d->rs2]); return OP_NEXT;
    case RV64_OP_SLL: x[d->rd] = a << (x[d->rs2] & 63); return OP_NEXT;
    case RV64_OP_SRL: x[d->rd] = a >> (x[d->rs2] & 63); return OP_NEXT;
    case RV64_OP_MUL: x[d->rd] = a * x[d->rs2]; return OP_NEXT;
    case RV64_OP_ADDW: x[d->rd] = sext32(a + x[d->rs2]); return OP_NEXT;
    case RV64_OP_SUBW: x[d->rd] = sext32(a - x[d->rs2]); return OP_NEXT;
    case RV64_OP_AUIPC: x[d->rd] = pc + imm; return OP_NEXT;
    case RV64_OP_LUI: x[d->rd] = imm; return OP_NEXT;
    case RV64_OP_BEQ: *next_pc = a == x[d->rs2] ? pc + imm : pc + d->size_bytes; return OP_JUMP;
    case RV64_OP_BNE: *next_pc = a != x[d->rs2] ? pc + imm : pc + d->size_bytes; return OP_JUMP;
    case RV64_OP_BLT: *next_pc = lt_signed(a, x[d->rs2]) ? pc + imm : pc + d->size_bytes; return OP_JUMP;
    case RV64_OP_BGE: *next_pc = !lt_signed(a, x[d->rs2]) ? pc + imm : pc + d->size_bytes; return OP_JUMP;
    case RV64_OP_BLTU: *next_pc = a < x[d->rs2] ? pc + imm : pc + d->size_bytes; return OP_JUMP;
    case RV64_OP_BGEU: *next_pc = a >= x[d->rs2] ? pc + imm : pc + d->size_bytes; return OP_JUMP;
    case RV64_OP_JAL: x[d->rd] = pc + d->size_bytes; x[0] = 0; *next_pc = pc + imm; return OP_JUMP;
    case RV64_OP_JALR: // the target is read before rd is written (rd may be rs1)
        x[d->rd] = pc + d->size_bytes;
        x[0] = 0;
        *next_pc = (a + imm) & ~1ull;
        return OP_JUMP;
    default: break;
    }
    if (d->op >= RV64_OP_RARE_FIRST && d->op <= RV64_OP_ALU_LAST) {
        x[d->rd] = alu_rare(d->op, a, x[d->rs2], (u32)(imm & 63));
        return OP_NEXT;
    }
    enum block_end how = run_other(cpu, d, pc, next_pc); // memory and slow ops
    if (how == BLOCK_TRAP) return OP_TRAP;
    if (how == BLOCK_LEAVE) return OP_LEAVE;
    return d->op == RV64_OP_SLOW ? OP_JUMP : OP_NEXT;
}

// Runs decoded blocks while the pc stays in the fetch page, at most `budget`
// instructions; returns how many retired, with cpu->pc the next instruction, or
// *trapped and cpu->trap set. Leaves for rv64_run_cached whatever needs the page looked
// up again. A block's ops are consecutive, so the inner loop carries only a pointer;
// the pc is computed from an op's offset.
static u64 run_page(struct rv64_cpu *cpu, u64 budget, bool *trapped) {
    assert(budget > 0);
    assert(cpu->fetch_page != NULL);
    u64 vpn = cpu->pc >> PAGE_SHIFT;
    u64 page_va = vpn << PAGE_SHIFT;
    const u8 *host = cpu->fetch_host;
    u64 retired = 0;
    u64 next_pc = cpu->pc;
    while (retired < budget && (next_pc >> PAGE_SHIFT) == vpn &&
           (next_pc & PAGE_OFFSET_MASK) <= RV64_PAGE_SIZE_BYTES - 4) {
        struct rv64_block *block = rv64_block_at(cpu->fetch_page, host, (u32)(next_pc & PAGE_OFFSET_MASK));
        const struct rv64_decoded *d = block->ops;
        u64 left = budget - retired;
        const struct rv64_decoded *end = d + (block->count < left ? block->count : left);
        enum op_end how = OP_NEXT;
        bool stale = false;
        for (; d < end; d++) {
            u32 word = 0;
            memcpy(&word, host + d->offset_bytes, 4);
            u64 pc = page_va + d->offset_bytes;
            if (word != d->raw) { // changed since decoded: decode again before it runs
                block->count = 0;
                next_pc = pc;
                how = OP_LEAVE;
                stale = true;
                break;
            }
            how = run_op(cpu, d, pc, &next_pc);
            if (how != OP_NEXT) break;
        }
        if (how == OP_NEXT) { // ran to the block's end, or the budget's
            next_pc = page_va + d[-1].offset_bytes + d[-1].size_bytes;
        } else if (how != OP_TRAP && !stale) {
            d++; // the op that ended the block retired
        }
        retired += (u64)(d - block->ops);
        if (how == OP_TRAP) {
            *trapped = true;
            return retired;
        }
        if (how == OP_LEAVE) break;
    }
    cpu->pc = next_pc;
    return retired;
}

u64 rv64_run_cached(struct rv64_cpu *cpu, u64 instruction_budget) {
    assert(cpu->decode != NULL);
    assert(cpu->trap.cause == 0);
    u64 retired = 0;
    while (retired < instruction_budget) {
        u64 pc = cpu->pc;
        u64 offset = pc & PAGE_OFFSET_MASK;
        if ((pc >> PAGE_SHIFT) == cpu->fetch_vpn && offset <= RV64_PAGE_SIZE_BYTES - 4) {
            bool trapped = false;
            retired += run_page(cpu, instruction_budget - retired, &trapped);
            if (trapped) return retired;
            continue;
        }
        u32 inst = 0; // a new page, or its last halfword: as run_loop does
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
