// The interpreter's run loop with the decode cache (rv64_decode.h): code runs from
// decoded basic blocks instead of being decoded at every execution. Same instructions,
// counts, traps and memory as rv64.c's run_loop, so a run's trace is the same with or
// without the cache (basin-sim --no-block-cache). A block's bytes are compared with
// memory each time it is entered, and a store into the page of the code running ends
// its block, so no block can run stale code: a mismatch decodes the block again from
// what memory holds now.
#include "sim/machine/rv64_cpu.h"

enum op_end {
    OP_NEXT,  // go on with the block's next op
    OP_JUMP,  // the block ends here (a control op): go on at *next_pc
    OP_LEAVE, // go on at *next_pc, but look the page up again (a new stretch)
    OP_TRAP,  // cpu->trap and cpu->pc are set
};

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

// A load into rd, sign-extended from sign_bits unless 0. cpu->pc is the op's own for
// the trap a fault leaves.
RV64_INLINE enum op_end load_op(struct rv64_cpu *cpu, const struct rv64_decoded *d, u64 pc,
                                u32 size_bytes, u32 sign_bits, u64 *next_pc) {
    u64 va = cpu->x[d->rs1] + (u64)(i64)d->imm;
    u64 v = 0;
    enum op_end how = OP_NEXT;
    if (!load(cpu, va, size_bytes, &v)) {
        cpu->pc = pc;
        cpu->x[0] = 0;
        return OP_TRAP;
    }
    // A walk may have flushed the TLB, the fetch page with it: look it up again.
    if (cpu->fetch_vpn != (pc >> PAGE_SHIFT)) {
        *next_pc = pc + d->size_bytes;
        how = OP_LEAVE;
    }
    cpu->x[d->rd] = sign_bits != 0 ? sext(v, sign_bits) : v;
    cpu->x[0] = 0;
    return how;
}

// A store. Only the CPU writes memory while blocks run, and every block is checked
// at entry: so a store into the fetch page's frame (or one the fast path declined,
// which may be anywhere) ends the stretch (OP_LEAVE), and every block entered after
// it is checked again before it runs.
RV64_INLINE enum op_end store_op(struct rv64_cpu *cpu, const struct rv64_decoded *d, u64 pc,
                                 u32 size_bytes, u64 *next_pc) {
    u64 va = cpu->x[d->rs1] + (u64)(i64)d->imm;
    u64 value = cpu->x[d->rs2];
    u64 vpn = va >> PAGE_SHIFT;
    u64 offset = va & PAGE_OFFSET_MASK;
    const struct tlb_entry *entry = &cpu->tlb[vpn & (TLB_ENTRIES_COUNT - 1)];
    *next_pc = pc + d->size_bytes;
    if (entry->tag_write == vpn && offset <= RV64_PAGE_SIZE_BYTES - size_bytes) {
        memcpy(entry->host + offset, &value, size_bytes);
        return entry->host == cpu->fetch_host ? OP_LEAVE : OP_NEXT;
    }
    cpu->pc = pc;
    return rv64_store_slow(cpu, va, size_bytes, value) ? OP_LEAVE : OP_TRAP;
}

// The slow op, always its block's last: the full decoder from the raw bits. It may
// store (AMO, SC) or flush the TLB, so the page is looked up again after it.
static enum op_end slow_op(struct rv64_cpu *cpu, const struct rv64_decoded *d, u64 pc,
                           u64 *next_pc) {
    cpu->pc = pc;
    bool ok = rv64_exec_raw(cpu, d->raw);
    cpu->x[0] = 0;
    if (!ok) return OP_TRAP;
    *next_pc = cpu->pc;
    return OP_LEAVE;
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
    case RV64_OP_LB: return load_op(cpu, d, pc, 1, 8, next_pc);
    case RV64_OP_LH: return load_op(cpu, d, pc, 2, 16, next_pc);
    case RV64_OP_LW: return load_op(cpu, d, pc, 4, 32, next_pc);
    case RV64_OP_LD: return load_op(cpu, d, pc, 8, 0, next_pc);
    case RV64_OP_LBU: return load_op(cpu, d, pc, 1, 0, next_pc);
    case RV64_OP_LHU: return load_op(cpu, d, pc, 2, 0, next_pc);
    case RV64_OP_LWU: return load_op(cpu, d, pc, 4, 0, next_pc);
    case RV64_OP_SB: return store_op(cpu, d, pc, 1, next_pc);
    case RV64_OP_SH: return store_op(cpu, d, pc, 2, next_pc);
    case RV64_OP_SW: return store_op(cpu, d, pc, 4, next_pc);
    case RV64_OP_SD: return store_op(cpu, d, pc, 8, next_pc);
    case RV64_OP_SLOW: return slow_op(cpu, d, pc, next_pc);
    default: break;
    }
    x[d->rd] = alu_rare(d->op, a, x[d->rs2], (u32)(imm & 63)); // RARE_FIRST to ALU_LAST
    return OP_NEXT;
}

// Runs decoded blocks while the pc stays in the fetch page, at most `budget`
// instructions; returns how many retired, with cpu->pc the next instruction, or
// *trapped and cpu->trap set. Leaves for rv64_run_cached whatever needs the page looked
// up again. Each block is compared with memory (block_current) when first entered in
// the stretch (rv64_decode_cache's epoch): a difference decodes it again first. A block's ops are consecutive, so the inner loop
// carries only a pointer; the pc is computed from an op's offset.
static u64 run_page(struct rv64_cpu *cpu, u64 budget, bool *trapped) {
    assert(budget > 0);
    assert(cpu->fetch_page != NULL);
    u64 vpn = cpu->pc >> PAGE_SHIFT;
    u64 page_va = vpn << PAGE_SHIFT;
    const u8 *host = cpu->fetch_host;
    struct rv64_decode_page *page = cpu->fetch_page;
    u64 epoch = ++cpu->decode->epoch; // a new stretch: every block is checked again
    u64 retired = 0;
    u64 next_pc = cpu->pc;
    while (retired < budget && (next_pc >> PAGE_SHIFT) == vpn &&
           (next_pc & PAGE_OFFSET_MASK) <= RV64_PAGE_SIZE_BYTES - 4) {
        u32 offset = (u32)(next_pc & PAGE_OFFSET_MASK);
        struct rv64_block *block = rv64_block_at(page, host, offset);
        if (block->checked_epoch != epoch) {
            if (!block_current(block, host)) block = rv64_block_build(page, host, offset);
            block->checked_epoch = epoch;
        }
        const struct rv64_decoded *d = block->ops;
        u64 left = budget - retired;
        const struct rv64_decoded *end = d + (block->count < left ? block->count : left);
        enum op_end how = OP_NEXT;
        for (; d < end; d++) {
            how = run_op(cpu, d, page_va + d->offset_bytes, &next_pc);
            if (how != OP_NEXT) break;
        }
        if (how == OP_NEXT) { // ran to the block's end, or the budget's
            next_pc = page_va + d[-1].offset_bytes + d[-1].size_bytes;
        } else if (how != OP_TRAP) {
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
