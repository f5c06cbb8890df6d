// RV64IMAC user-mode interpreter with an Sv39 walker (RISC-V unprivileged spec
// 20191213 and privileged spec 20211203). One call runs one slice of one process.
//
// Speed comes from two caches, both rebuilt at every call and both exact:
// - a direct-mapped software TLB of 4 KiB translations, with a tag per access kind;
// - the host address of the page the pc is in (the fetch fast path);
// and from decoded basic blocks kept across calls (rv64_decode.h, rv64_blocks.c), whose
// every op is checked against memory's bits before it runs. So stores to code are
// seen at once, with or without the block cache, and FENCE.I is a no-op.
// The TLB never lets a fast-path store reach a page that holds a page table it has
// cached a translation from (see table_pages), so a user store to a page table is
// seen by the very next access exactly as an uncached walk would see it.
#include "sim/machine/rv64_cpu.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "rv64.c reads guest memory with memcpy and assumes a little-endian host"
#endif


#define SV39_LEVELS_COUNT 3
#define SV39_VPN_BITS 9u
#define SV39_VA_BITS 39u
#define PTE_SIZE_BYTES 8ull
#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN_SHIFT 10u
#define PTE_PPN_MASK ((1ull << 44) - 1)
// Bits 63:54 (N, PBMT, reserved): we implement neither Svnapot nor Svpbmt, so any
// of them set is a page fault, as the privileged spec requires.
#define PTE_RESERVED_MASK (0x3ffull << 54)
#define SATP_MODE_SHIFT 60u
#define SATP_PPN_MASK ((1ull << 44) - 1)

#define INST_ECALL 0x00000073u
#define CSR_TIME 0xc01u // the time CSR, read by rdtime
#define INST_EBREAK 0x00100073u

enum access { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE };

enum walk_status { WALK_OK, WALK_PAGE_FAULT, WALK_ACCESS_FAULT };


struct walk {
    u64 leaf_pte;
    u64 frame_pa; // 4 KiB frame of the VA (inside a superpage if the leaf is one)
    u64 table_pa[SV39_LEVELS_COUNT];
    u32 table_count;
};


// ---- traps ----------------------------------------------------------------------

static bool trap_set(struct rv64_cpu *cpu, u64 cause, u64 tval) {
    assert((cause & TRAP_INTERRUPT_BIT) == 0);
    cpu->trap.cause = cause;
    cpu->trap.tval = tval;
    return false;
}

static u64 cause_page_fault(enum access access) {
    if (access == ACCESS_FETCH) return TRAP_INSTRUCTION_PAGE_FAULT;
    if (access == ACCESS_LOAD) return TRAP_LOAD_PAGE_FAULT;
    return TRAP_STORE_PAGE_FAULT;
}

static u64 cause_access_fault(enum access access) {
    if (access == ACCESS_FETCH) return TRAP_INSTRUCTION_ACCESS_FAULT;
    if (access == ACCESS_LOAD) return TRAP_LOAD_ACCESS_FAULT;
    return TRAP_STORE_ACCESS_FAULT;
}

// ---- physical memory and the Sv39 walk -----------------------------------------

static bool ram_contains(const struct rv64_memory *memory, u64 pa, u64 size_bytes) {
    if (pa < memory->ram_base_pa) return false;
    u64 offset = pa - memory->ram_base_pa;
    return offset < memory->ram_size_bytes && memory->ram_size_bytes - offset >= size_bytes;
}

static bool ram_read_pte(const struct rv64_memory *memory, u64 pa, u64 *pte) {
    if (!ram_contains(memory, pa, PTE_SIZE_BYTES)) return false;
    memcpy(pte, memory->ram + (pa - memory->ram_base_pa), PTE_SIZE_BYTES);
    return true;
}

static bool va_canonical(u64 va) {
    u64 top = va >> (SV39_VA_BITS - 1); // bits 63:38 must all equal bit 38
    return top == 0 || top == (UINT64_MAX >> (SV39_VA_BITS - 1));
}

// The privileged spec's algorithm (section 4.3.2) for a U-mode access, minus the
// per-kind R/W/X/D checks, which the caller makes so one walk can fill every tag.
static enum walk_status sv39_walk(const struct rv64_cpu *cpu, u64 va, struct walk *walk) {
    assert(walk->table_count == 0);
    if (!va_canonical(va)) return WALK_PAGE_FAULT;
    u64 table_pa = cpu->root_pa;
    for (i32 level = SV39_LEVELS_COUNT - 1; level >= 0; level--) {
        u32 shift = PAGE_SHIFT + SV39_VPN_BITS * (u32)level;
        u64 index = (va >> shift) & ((1ull << SV39_VPN_BITS) - 1);
        walk->table_pa[walk->table_count++] = table_pa;
        u64 pte = 0;
        if (!ram_read_pte(cpu->memory, table_pa + index * PTE_SIZE_BYTES, &pte)) {
            return WALK_ACCESS_FAULT;
        }
        if ((pte & PTE_V) == 0 || (pte & PTE_RESERVED_MASK) != 0) return WALK_PAGE_FAULT;
        if ((pte & PTE_R) == 0 && (pte & PTE_W) != 0) return WALK_PAGE_FAULT;
        u64 ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
        if ((pte & (PTE_R | PTE_X)) == 0) { // pointer to the next level
            // D, A and U are reserved in pointers; the spec's step 3 faults on them.
            if ((pte & (PTE_D | PTE_A | PTE_U)) != 0) return WALK_PAGE_FAULT;
            table_pa = ppn << PAGE_SHIFT;
            continue;
        }
        u64 low_mask = (1ull << (SV39_VPN_BITS * (u32)level)) - 1;
        if ((ppn & low_mask) != 0) return WALK_PAGE_FAULT; // misaligned superpage
        if ((pte & PTE_U) == 0 || (pte & PTE_A) == 0) return WALK_PAGE_FAULT;
        walk->leaf_pte = pte;
        walk->frame_pa = (ppn | ((va >> PAGE_SHIFT) & low_mask)) << PAGE_SHIFT;
        return WALK_OK;
    }
    return WALK_PAGE_FAULT; // a pointer at level 0
}

static bool leaf_allows(u64 pte, enum access access) {
    if (access == ACCESS_FETCH) return (pte & PTE_X) != 0;
    if (access == ACCESS_LOAD) return (pte & PTE_R) != 0; // MXR is off
    return (pte & PTE_W) != 0 && (pte & PTE_D) != 0;      // Svade: no D update
}

// ---- the software TLB --------------------------------------------------------------

static void tlb_flush(struct rv64_cpu *cpu) {
    for (u32 i = 0; i < TLB_ENTRIES_COUNT; i++) {
        cpu->tlb[i].tag_read = TAG_INVALID;
        cpu->tlb[i].tag_write = TAG_INVALID;
        cpu->tlb[i].tag_exec = TAG_INVALID;
        cpu->tlb[i].frame_pa = 0;
        cpu->tlb[i].host = NULL;
    }
    cpu->table_pages_count = 0;
    cpu->fetch_vpn = TAG_INVALID;
    cpu->fetch_host = NULL;
}

static bool table_page_known(const struct rv64_cpu *cpu, u64 frame_pa) {
    for (u32 i = 0; i < cpu->table_pages_count; i++) {
        if (cpu->table_pages[i] == frame_pa) return true;
    }
    return false;
}

// Remember the page-table pages a walk read, and take fast-path store rights away
// from any cached frame that turns out to be one of them. Invariant: table_pages
// holds the table pages of every cached translation (TLB entries, fetch page).
static void table_pages_note(struct rv64_cpu *cpu, const struct walk *walk) {
    assert(walk->table_count <= SV39_LEVELS_COUNT);
    u32 unknown = 0;
    for (u32 t = 0; t < walk->table_count; t++) {
        if (!table_page_known(cpu, walk->table_pa[t])) unknown++;
    }
    // Flush before adding, never half-way, or this walk's pages would be forgotten.
    if (cpu->table_pages_count + unknown > TABLE_PAGES_MAX) tlb_flush(cpu);
    for (u32 t = 0; t < walk->table_count; t++) {
        u64 table_pa = walk->table_pa[t];
        if (table_page_known(cpu, table_pa)) continue;
        cpu->table_pages[cpu->table_pages_count++] = table_pa;
        for (u32 i = 0; i < TLB_ENTRIES_COUNT; i++) {
            if (cpu->tlb[i].frame_pa == table_pa) cpu->tlb[i].tag_write = TAG_INVALID;
        }
    }
    assert(cpu->table_pages_count <= TABLE_PAGES_MAX);
}

// A store that did not go through a write tag may have hit a page table whose
// entries are cached: forget every translation, as an uncached walk would.
static void after_slow_store(struct rv64_cpu *cpu, u64 frame_pa) {
    if (table_page_known(cpu, frame_pa)) tlb_flush(cpu);
}

struct frame {
    u8 *host;
    u64 frame_pa;
};

static bool tlb_fill(struct rv64_cpu *cpu, u64 va, enum access access, struct frame *out) {
    struct walk walk = {0};
    enum walk_status status = sv39_walk(cpu, va, &walk);
    if (status == WALK_ACCESS_FAULT) return trap_set(cpu, cause_access_fault(access), va);
    if (status == WALK_PAGE_FAULT) return trap_set(cpu, cause_page_fault(access), va);
    if (!leaf_allows(walk.leaf_pte, access)) return trap_set(cpu, cause_page_fault(access), va);
    const struct rv64_memory *memory = cpu->memory;
    if (!ram_contains(memory, walk.frame_pa, RV64_PAGE_SIZE_BYTES)) {
        return trap_set(cpu, cause_access_fault(access), va);
    }
    table_pages_note(cpu, &walk);
    u64 vpn = va >> PAGE_SHIFT;
    struct tlb_entry *entry = &cpu->tlb[vpn & (TLB_ENTRIES_COUNT - 1)];
    u64 pte = walk.leaf_pte;
    entry->tag_read = leaf_allows(pte, ACCESS_LOAD) ? vpn : TAG_INVALID;
    bool writable = leaf_allows(pte, ACCESS_STORE) && !table_page_known(cpu, walk.frame_pa);
    entry->tag_write = writable ? vpn : TAG_INVALID;
    entry->tag_exec = leaf_allows(pte, ACCESS_FETCH) ? vpn : TAG_INVALID;
    entry->frame_pa = walk.frame_pa;
    entry->host = memory->ram + (walk.frame_pa - memory->ram_base_pa);
    out->host = entry->host;
    out->frame_pa = walk.frame_pa;
    return true;
}

// Translate the page of va for one access kind; false with cpu->trap set on a fault.
static bool translate(struct rv64_cpu *cpu, u64 va, enum access access, struct frame *out) {
    u64 vpn = va >> PAGE_SHIFT;
    const struct tlb_entry *entry = &cpu->tlb[vpn & (TLB_ENTRIES_COUNT - 1)];
    u64 tag = access == ACCESS_FETCH  ? entry->tag_exec
              : access == ACCESS_LOAD ? entry->tag_read
                                      : entry->tag_write;
    if (tag == vpn) {
        out->host = entry->host;
        out->frame_pa = entry->frame_pa;
        return true;
    }
    return tlb_fill(cpu, va, access, out);
}

// ---- data access -------------------------------------------------------------------

// Any load the fast path declined: a TLB miss, or a misaligned access across pages
// (each part translated; tval names the part that faulted).
bool rv64_load_slow(struct rv64_cpu *cpu, u64 va, u32 size_bytes, u64 *value) {
    assert(size_bytes >= 1);
    assert(size_bytes <= 8);
    u64 offset = va & PAGE_OFFSET_MASK;
    u64 first = RV64_PAGE_SIZE_BYTES - offset;
    if (first > size_bytes) first = size_bytes;
    struct frame low = {0};
    struct frame high = {0};
    if (!translate(cpu, va, ACCESS_LOAD, &low)) return false;
    if (first < size_bytes && !translate(cpu, va + first, ACCESS_LOAD, &high)) return false;
    u64 v = 0;
    memcpy(&v, low.host + offset, first);
    if (first < size_bytes) memcpy((u8 *)&v + first, high.host, size_bytes - first);
    *value = v;
    return true;
}

bool rv64_store_slow(struct rv64_cpu *cpu, u64 va, u32 size_bytes, u64 value) {
    assert(size_bytes >= 1);
    assert(size_bytes <= 8);
    u64 offset = va & PAGE_OFFSET_MASK;
    u64 first = RV64_PAGE_SIZE_BYTES - offset;
    if (first > size_bytes) first = size_bytes;
    struct frame low = {0};
    struct frame high = {0};
    // Translate both parts before writing either: a fault changes no memory.
    if (!translate(cpu, va, ACCESS_STORE, &low)) return false;
    if (first < size_bytes && !translate(cpu, va + first, ACCESS_STORE, &high)) return false;
    memcpy(low.host + offset, &value, first);
    if (first < size_bytes) memcpy(high.host, (const u8 *)&value + first, size_bytes - first);
    after_slow_store(cpu, low.frame_pa);
    if (first < size_bytes) after_slow_store(cpu, high.frame_pa);
    return true;
}
// ---- instruction fetch ------------------------------------------------------------

// Fetch when the pc is not in the cached fetch page, or its instruction may reach
// the next page. A 32-bit instruction across a page boundary translates both halves.
bool rv64_fetch_slow(struct rv64_cpu *cpu, u64 pc, u32 *inst) {
    assert((pc & 1) == 0);
    struct frame frame = {0};
    if (!translate(cpu, pc, ACCESS_FETCH, &frame)) return false;
    cpu->fetch_vpn = pc >> PAGE_SHIFT;
    cpu->fetch_host = frame.host;
    if (cpu->decode != NULL) cpu->fetch_page = rv64_decode_page_of(cpu->decode, frame.frame_pa);
    u64 offset = pc & PAGE_OFFSET_MASK;
    if (offset <= RV64_PAGE_SIZE_BYTES - 4) {
        memcpy(inst, frame.host + offset, 4);
        return true;
    }
    u16 low = 0;
    memcpy(&low, frame.host + offset, 2);
    if ((low & 3) != 3) {
        *inst = low;
        return true;
    }
    struct frame next = {0};
    if (!translate(cpu, pc + 2, ACCESS_FETCH, &next)) return false;
    u16 high = 0;
    memcpy(&high, next.host, 2);
    *inst = (u32)low | ((u32)high << 16);
    return true;
}

static bool illegal(struct rv64_cpu *cpu, u32 inst) {
    return trap_set(cpu, TRAP_ILLEGAL_INSTRUCTION, inst);
}

// ---- 32-bit instructions -----------------------------------------------------------

RV64_INLINE bool exec_op(struct rv64_cpu *cpu, u32 inst) {
    u64 a = cpu->x[RS1(inst)];
    u64 b = cpu->x[RS2(inst)];
    u64 r;
    switch ((FUNCT7(inst) << 3) | FUNCT3(inst)) {
    case 0x000: r = a + b; break;
    case 0x100: r = a - b; break;
    case 0x001: r = a << (b & 63); break;
    case 0x002: r = lt_signed(a, b); break;
    case 0x003: r = a < b; break;
    case 0x004: r = a ^ b; break;
    case 0x005: r = a >> (b & 63); break;
    case 0x105: r = sra64(a, (u32)(b & 63)); break;
    case 0x006: r = a | b; break;
    case 0x007: r = a & b; break;
    case 0x008: r = a * b; break;
    case 0x009: r = mulh(a, b); break;
    case 0x00a: r = mulhsu(a, b); break;
    case 0x00b: r = mulhu(a, b); break;
    case 0x00c: r = div64(a, b); break;
    case 0x00d: r = divu64(a, b); break;
    case 0x00e: r = rem64(a, b); break;
    case 0x00f: r = remu64(a, b); break;
    default: return illegal(cpu, inst);
    }
    cpu->x[RD(inst)] = r;
    cpu->pc += 4;
    return true;
}

RV64_INLINE bool exec_op32(struct rv64_cpu *cpu, u32 inst) {
    u64 a = cpu->x[RS1(inst)];
    u64 b = cpu->x[RS2(inst)];
    u32 shift = (u32)(b & 31);
    u64 r;
    switch ((FUNCT7(inst) << 3) | FUNCT3(inst)) {
    case 0x000: r = sext32(a + b); break;
    case 0x100: r = sext32(a - b); break;
    case 0x001: r = sext32(a << shift); break;
    case 0x005: r = sext32((a & 0xffffffffull) >> shift); break;
    case 0x105: r = sra64(sext32(a), shift); break;
    case 0x008: r = sext32(a * b); break;
    case 0x00c: r = div32(a, b); break;
    case 0x00d: r = divu32(a, b); break;
    case 0x00e: r = rem32(a, b); break;
    case 0x00f: r = remu32(a, b); break;
    default: return illegal(cpu, inst);
    }
    cpu->x[RD(inst)] = r;
    cpu->pc += 4;
    return true;
}

RV64_INLINE bool exec_op_imm(struct rv64_cpu *cpu, u32 inst) {
    u64 a = cpu->x[RS1(inst)];
    u64 imm = imm_i(inst);
    u32 shamt = (inst >> 20) & 63u;
    u32 top6 = inst >> 26; // must be 0 (or 0x10 for srai) in RV64 shifts
    u64 r;
    switch (FUNCT3(inst)) {
    case 0: r = a + imm; break;
    case 1:
        if (top6 != 0) return illegal(cpu, inst);
        r = a << shamt;
        break;
    case 2: r = lt_signed(a, imm); break;
    case 3: r = a < imm; break;
    case 4: r = a ^ imm; break;
    case 5:
        if (top6 == 0) r = a >> shamt;
        else if (top6 == 0x10) r = sra64(a, shamt);
        else return illegal(cpu, inst);
        break;
    case 6: r = a | imm; break;
    default: r = a & imm; break;
    }
    cpu->x[RD(inst)] = r;
    cpu->pc += 4;
    return true;
}

RV64_INLINE bool exec_op_imm32(struct rv64_cpu *cpu, u32 inst) {
    u64 a = cpu->x[RS1(inst)];
    u32 shamt = (inst >> 20) & 31u;
    u64 r;
    switch ((FUNCT7(inst) << 3) | FUNCT3(inst)) {
    case 0x001: r = sext32(a << shamt); break;
    case 0x005: r = sext32((a & 0xffffffffull) >> shamt); break;
    case 0x105: r = sra64(sext32(a), shamt); break;
    default:
        if (FUNCT3(inst) != 0) return illegal(cpu, inst);
        r = sext32(a + imm_i(inst)); // addiw: any funct7 bits are the immediate
        break;
    }
    cpu->x[RD(inst)] = r;
    cpu->pc += 4;
    return true;
}

RV64_INLINE bool exec_load(struct rv64_cpu *cpu, u32 inst) {
    u64 va = cpu->x[RS1(inst)] + imm_i(inst);
    u64 v = 0;
    bool ok;
    switch (FUNCT3(inst)) {
    case 0: ok = load(cpu, va, 1, &v); v = sext(v, 8); break;
    case 1: ok = load(cpu, va, 2, &v); v = sext(v, 16); break;
    case 2: ok = load(cpu, va, 4, &v); v = sext(v, 32); break;
    case 3: ok = load(cpu, va, 8, &v); break;
    case 4: ok = load(cpu, va, 1, &v); break;
    case 5: ok = load(cpu, va, 2, &v); break;
    case 6: ok = load(cpu, va, 4, &v); break;
    default: return illegal(cpu, inst);
    }
    if (!ok) return false;
    cpu->x[RD(inst)] = v;
    cpu->pc += 4;
    return true;
}

RV64_INLINE bool exec_store(struct rv64_cpu *cpu, u32 inst) {
    u64 va = cpu->x[RS1(inst)] + imm_s(inst);
    u64 v = cpu->x[RS2(inst)];
    bool ok;
    switch (FUNCT3(inst)) {
    case 0: ok = store(cpu, va, 1, v); break;
    case 1: ok = store(cpu, va, 2, v); break;
    case 2: ok = store(cpu, va, 4, v); break;
    case 3: ok = store(cpu, va, 8, v); break;
    default: return illegal(cpu, inst);
    }
    if (!ok) return false;
    cpu->pc += 4;
    return true;
}

RV64_INLINE bool exec_branch(struct rv64_cpu *cpu, u32 inst) {
    u64 a = cpu->x[RS1(inst)];
    u64 b = cpu->x[RS2(inst)];
    bool taken;
    switch (FUNCT3(inst)) {
    case 0: taken = a == b; break;
    case 1: taken = a != b; break;
    case 4: taken = lt_signed(a, b); break;
    case 5: taken = !lt_signed(a, b); break;
    case 6: taken = a < b; break;
    case 7: taken = a >= b; break;
    default: return illegal(cpu, inst);
    }
    cpu->pc += taken ? imm_b(inst) : 4;
    return true;
}

RV64_INLINE bool exec_jalr(struct rv64_cpu *cpu, u32 inst) {
    if (FUNCT3(inst) != 0) return illegal(cpu, inst);
    u64 target = (cpu->x[RS1(inst)] + imm_i(inst)) & ~1ull;
    cpu->x[RD(inst)] = cpu->pc + 4;
    cpu->pc = target;
    return true;
}

// Zicsr in U-mode, as the real machine behaves under our kernel: the time CSR may be
// read (the kernel gives user mode no counters, scounteren = 0, but OpenSBI emulates
// a trapped time read without checking it), nothing else. A read is CSRRS/CSRRC with
// rs1 = x0 or CSRRSI/CSRRCI with uimm = 0 (csrr, rdtime); any write attempt, cycle,
// instret and every other CSR are illegal, as OpenSBI finds them.
static bool exec_csr(struct rv64_cpu *cpu, u32 inst) {
    u32 funct3 = FUNCT3(inst);
    bool read_only = (funct3 == 2 || funct3 == 3 || funct3 == 6 || funct3 == 7) && RS1(inst) == 0;
    if (!read_only || (inst >> 20) != CSR_TIME) return illegal(cpu, inst);
    cpu->x[RD(inst)] = cpu->time_ticks;
    cpu->pc += 4;
    return true;
}

static bool exec_system(struct rv64_cpu *cpu, u32 inst) {
    // Besides ECALL, EBREAK and reading the time CSR (exec_csr), nothing of SYSTEM
    // exists in U-mode: WFI, SRET, MRET and SFENCE.VMA are illegal here.
    if (inst == INST_ECALL) return trap_set(cpu, TRAP_ECALL_FROM_USER, 0);
    if (inst == INST_EBREAK) return trap_set(cpu, TRAP_BREAKPOINT, cpu->pc);
    if (FUNCT3(inst) != 0 && FUNCT3(inst) != 4) return exec_csr(cpu, inst);
    return illegal(cpu, inst);
}

RV64_INLINE bool exec_misc_mem(struct rv64_cpu *cpu, u32 inst) {
    // FENCE and FENCE.I: one hart, and decoded code is checked against memory at each
    // execution (rv64_decode.h), so there is nothing to order or to flush.
    if (FUNCT3(inst) > 1) return illegal(cpu, inst);
    cpu->pc += 4;
    return true;
}

// ---- A extension -------------------------------------------------------------------

#define AMO_LR 0x02u
#define AMO_SC 0x03u

// The new memory value of an AMO, or false for an encoding that is not an AMO.
static bool amo_compute(u32 funct5, u64 old, u64 operand, u32 size_bytes, u64 *out) {
    bool word = size_bytes == 4;
    u64 a = word ? sext32(old) : old; // compare words as the spec does: sign-extended
    u64 b = word ? sext32(operand) : operand;
    u64 ua = word ? (old & 0xffffffffull) : old;
    u64 ub = word ? (operand & 0xffffffffull) : operand;
    switch (funct5) {
    case 0x01: *out = operand; return true;                          // swap
    case 0x00: *out = old + operand; return true;                    // add
    case 0x04: *out = old ^ operand; return true;                    // xor
    case 0x0c: *out = old & operand; return true;                    // and
    case 0x08: *out = old | operand; return true;                    // or
    case 0x10: *out = lt_signed(a, b) ? old : operand; return true;  // min
    case 0x14: *out = lt_signed(a, b) ? operand : old; return true;  // max
    case 0x18: *out = ua < ub ? old : operand; return true;          // minu
    case 0x1c: *out = ua < ub ? operand : old; return true;          // maxu
    default: return false;
    }
}

static bool exec_lr(struct rv64_cpu *cpu, u32 inst, u64 va, u32 size_bytes) {
    if (RS2(inst) != 0) return illegal(cpu, inst);
    if ((va & (size_bytes - 1)) != 0) return trap_set(cpu, TRAP_LOAD_MISALIGNED, va);
    u64 v = 0;
    if (!load(cpu, va, size_bytes, &v)) return false;
    cpu->reservation_valid = true;
    cpu->reservation_va = va;
    cpu->reservation_size_bytes = size_bytes;
    cpu->x[RD(inst)] = size_bytes == 4 ? sext32(v) : v;
    cpu->pc += 4;
    return true;
}

// SC always checks alignment and store permission, whether or not it then succeeds,
// so that its faults do not depend on the reservation.
static bool exec_sc(struct rv64_cpu *cpu, u32 inst, u64 va, u32 size_bytes) {
    if ((va & (size_bytes - 1)) != 0) return trap_set(cpu, TRAP_STORE_MISALIGNED, va);
    struct frame frame = {0};
    if (!translate(cpu, va, ACCESS_STORE, &frame)) return false;
    bool success = cpu->reservation_valid && cpu->reservation_va == va &&
                   cpu->reservation_size_bytes == size_bytes;
    cpu->reservation_valid = false;
    if (success) {
        u64 v = cpu->x[RS2(inst)];
        memcpy(frame.host + (va & PAGE_OFFSET_MASK), &v, size_bytes);
        after_slow_store(cpu, frame.frame_pa);
    }
    cpu->x[RD(inst)] = success ? 0 : 1;
    cpu->pc += 4;
    return true;
}

static bool exec_amo(struct rv64_cpu *cpu, u32 inst) {
    u32 funct3 = FUNCT3(inst);
    if (funct3 != 2 && funct3 != 3) return illegal(cpu, inst);
    u32 size_bytes = funct3 == 2 ? 4 : 8;
    u32 funct5 = inst >> 27;
    u64 va = cpu->x[RS1(inst)];
    if (funct5 == AMO_LR) return exec_lr(cpu, inst, va, size_bytes);
    if (funct5 == AMO_SC) return exec_sc(cpu, inst, va, size_bytes);
    u64 old = 0;
    u64 operand = cpu->x[RS2(inst)];
    u64 updated = 0;
    if (!amo_compute(funct5, old, operand, size_bytes, &updated)) return illegal(cpu, inst);
    if ((va & (size_bytes - 1)) != 0) return trap_set(cpu, TRAP_STORE_MISALIGNED, va);
    // An AMO is a store for translation: W (hence R) and D, store page fault.
    struct frame frame = {0};
    if (!translate(cpu, va, ACCESS_STORE, &frame)) return false;
    u8 *host = frame.host + (va & PAGE_OFFSET_MASK);
    memcpy(&old, host, size_bytes);
    bool known = amo_compute(funct5, old, operand, size_bytes, &updated);
    assert(known);
    memcpy(host, &updated, size_bytes);
    after_slow_store(cpu, frame.frame_pa);
    cpu->x[RD(inst)] = size_bytes == 4 ? sext32(old) : old;
    cpu->pc += 4;
    return true;
}

static bool exec32(struct rv64_cpu *cpu, u32 inst) {
    switch ((inst >> 2) & 31u) {
    case 0x00: return exec_load(cpu, inst);
    case 0x03: return exec_misc_mem(cpu, inst);
    case 0x04: return exec_op_imm(cpu, inst);
    case 0x05:
        cpu->x[RD(inst)] = cpu->pc + imm_u(inst); // auipc
        cpu->pc += 4;
        return true;
    case 0x06: return exec_op_imm32(cpu, inst);
    case 0x08: return exec_store(cpu, inst);
    case 0x0b: return exec_amo(cpu, inst);
    case 0x0c: return exec_op(cpu, inst);
    case 0x0d:
        cpu->x[RD(inst)] = imm_u(inst); // lui
        cpu->pc += 4;
        return true;
    case 0x0e: return exec_op32(cpu, inst);
    case 0x18: return exec_branch(cpu, inst);
    case 0x19: return exec_jalr(cpu, inst);
    case 0x1b:
        cpu->x[RD(inst)] = cpu->pc + 4; // jal
        cpu->pc += imm_j(inst);
        return true;
    case 0x1c: return exec_system(cpu, inst);
    default: return illegal(cpu, inst); // F, D, V, custom and 48-bit+ encodings
    }
}

// ---- compressed instructions (RV64C) ----------------------------------------------
// Executed directly rather than expanded, which saves a second dispatch. Reserved
// encodings are illegal; HINTs (rd = x0 and the like) execute as the base
// instruction would, i.e. as no-ops. Every F/D form (c.fld, c.fsd, ...) is illegal.

static bool exec_c_q0(struct rv64_cpu *cpu, u32 c) {
    u64 *x = cpu->x;
    u64 v = 0;
    switch (c >> 13) {
    case 0: { // c.addi4spn; nzuimm = 0 (including the all-zero halfword) is reserved
        u32 nzuimm = (((c >> 7) & 15u) << 6) | (((c >> 11) & 3u) << 4) |
                     (((c >> 5) & 1u) << 3) | (((c >> 6) & 1u) << 2);
        if (nzuimm == 0) return illegal(cpu, c);
        x[C_RD_PRIME(c)] = x[2] + nzuimm;
        break;
    }
    case 2: // c.lw
        if (!load(cpu, x[C_RS1_PRIME(c)] + c_uimm_w(c), 4, &v)) return false;
        x[C_RD_PRIME(c)] = sext32(v);
        break;
    case 3: // c.ld
        if (!load(cpu, x[C_RS1_PRIME(c)] + c_uimm_d(c), 8, &v)) return false;
        x[C_RD_PRIME(c)] = v;
        break;
    case 6: // c.sw
        if (!store(cpu, x[C_RS1_PRIME(c)] + c_uimm_w(c), 4, x[C_RD_PRIME(c)])) return false;
        break;
    case 7: // c.sd
        if (!store(cpu, x[C_RS1_PRIME(c)] + c_uimm_d(c), 8, x[C_RD_PRIME(c)])) return false;
        break;
    default: return illegal(cpu, c); // c.fld, reserved, c.fsd
    }
    cpu->pc += 2;
    return true;
}

// Quadrant 1, funct3 = 100: shifts, andi and register-register arithmetic on x8-x15.
RV64_INLINE bool exec_c_alu(struct rv64_cpu *cpu, u32 c) {
    u64 *x = cpu->x;
    u32 rd = C_RS1_PRIME(c);
    u64 b = x[C_RD_PRIME(c)];
    switch ((c >> 10) & 3u) {
    case 0: x[rd] = x[rd] >> c_shamt(c); break;
    case 1: x[rd] = sra64(x[rd], c_shamt(c)); break;
    case 2: x[rd] = x[rd] & c_imm6(c); break;
    default:
        switch ((C_BIT12(c) << 2) | ((c >> 5) & 3u)) {
        case 0: x[rd] = x[rd] - b; break;
        case 1: x[rd] = x[rd] ^ b; break;
        case 2: x[rd] = x[rd] | b; break;
        case 3: x[rd] = x[rd] & b; break;
        case 4: x[rd] = sext32(x[rd] - b); break; // c.subw
        case 5: x[rd] = sext32(x[rd] + b); break; // c.addw
        default: return illegal(cpu, c);
        }
    }
    cpu->pc += 2;
    return true;
}

// Quadrant 1, funct3 = 011: c.addi16sp (rd = x2) or c.lui; a zero immediate is reserved.
static bool exec_c_lui(struct rv64_cpu *cpu, u32 c) {
    u32 rd = C_RD(c);
    u64 imm;
    if (rd == 2) {
        imm = sext((C_BIT12(c) << 9) | (((c >> 6) & 1u) << 4) | (((c >> 5) & 1u) << 6) |
                       (((c >> 3) & 3u) << 7) | (((c >> 2) & 1u) << 5),
                   10);
        if (imm == 0) return illegal(cpu, c);
        cpu->x[2] += imm;
    } else {
        imm = sext((C_BIT12(c) << 17) | (((c >> 2) & 31u) << 12), 18);
        if (imm == 0) return illegal(cpu, c);
        cpu->x[rd] = imm;
    }
    cpu->pc += 2;
    return true;
}

RV64_INLINE bool exec_c_q1(struct rv64_cpu *cpu, u32 c) {
    u64 *x = cpu->x;
    u32 rd = C_RD(c);
    switch (c >> 13) {
    case 0: x[rd] += c_imm6(c); break; // c.addi (c.nop when rd = x0)
    case 1:                            // c.addiw; rd = x0 is reserved
        if (rd == 0) return illegal(cpu, c);
        x[rd] = sext32(x[rd] + c_imm6(c));
        break;
    case 2: x[rd] = c_imm6(c); break; // c.li
    case 3: return exec_c_lui(cpu, c);
    case 4: return exec_c_alu(cpu, c);
    case 5: cpu->pc += c_imm_j(c); return true; // c.j
    case 6: cpu->pc += x[C_RS1_PRIME(c)] == 0 ? c_imm_b(c) : 2; return true; // c.beqz
    default: cpu->pc += x[C_RS1_PRIME(c)] != 0 ? c_imm_b(c) : 2; return true; // c.bnez
    }
    cpu->pc += 2;
    return true;
}

// Quadrant 2, funct3 = 100: c.jr, c.mv, c.ebreak, c.jalr, c.add.
RV64_INLINE bool exec_c_jr_mv_add(struct rv64_cpu *cpu, u32 c) {
    u64 *x = cpu->x;
    u32 rd = C_RD(c);
    u32 rs2 = C_RS2(c);
    if (C_BIT12(c) == 0) {
        if (rs2 != 0) {
            x[rd] = x[rs2]; // c.mv
        } else {
            if (rd == 0) return illegal(cpu, c); // c.jr with rs1 = x0 is reserved
            cpu->pc = x[rd] & ~1ull;
            return true;
        }
    } else if (rs2 != 0) {
        x[rd] = x[rd] + x[rs2]; // c.add
    } else if (rd == 0) {
        return trap_set(cpu, TRAP_BREAKPOINT, cpu->pc); // c.ebreak
    } else {
        u64 target = x[rd] & ~1ull; // c.jalr: read rs1 before writing ra
        x[1] = cpu->pc + 2;
        cpu->pc = target;
        return true;
    }
    cpu->pc += 2;
    return true;
}

RV64_INLINE bool exec_c_q2(struct rv64_cpu *cpu, u32 c) {
    u64 *x = cpu->x;
    u32 rd = C_RD(c);
    u64 v = 0;
    switch (c >> 13) {
    case 0: x[rd] = x[rd] << c_shamt(c); break; // c.slli
    case 2: {                                   // c.lwsp; rd = x0 is reserved
        if (rd == 0) return illegal(cpu, c);
        u64 off = (C_BIT12(c) << 5) | (((c >> 4) & 7u) << 2) | (((c >> 2) & 3u) << 6);
        if (!load(cpu, x[2] + off, 4, &v)) return false;
        x[rd] = sext32(v);
        break;
    }
    case 3: { // c.ldsp; rd = x0 is reserved
        if (rd == 0) return illegal(cpu, c);
        u64 off = (C_BIT12(c) << 5) | (((c >> 5) & 3u) << 3) | (((c >> 2) & 7u) << 6);
        if (!load(cpu, x[2] + off, 8, &v)) return false;
        x[rd] = v;
        break;
    }
    case 4: return exec_c_jr_mv_add(cpu, c);
    case 6: { // c.swsp
        u64 off = (((c >> 9) & 15u) << 2) | (((c >> 7) & 3u) << 6);
        if (!store(cpu, x[2] + off, 4, x[C_RS2(c)])) return false;
        break;
    }
    case 7: { // c.sdsp
        u64 off = (((c >> 10) & 7u) << 3) | (((c >> 7) & 7u) << 6);
        if (!store(cpu, x[2] + off, 8, x[C_RS2(c)])) return false;
        break;
    }
    default: return illegal(cpu, c); // c.fldsp, c.fsdsp
    }
    cpu->pc += 2;
    return true;
}

// ---- the run loop ------------------------------------------------------------------

RV64_INLINE bool exec_raw(struct rv64_cpu *cpu, u32 inst) {
    switch (inst & 3u) {
    case 0: return exec_c_q0(cpu, inst & 0xffffu);
    case 1: return exec_c_q1(cpu, inst & 0xffffu);
    case 2: return exec_c_q2(cpu, inst & 0xffffu);
    default: return exec32(cpu, inst);
    }
}

bool rv64_exec_raw(struct rv64_cpu *cpu, u32 inst) { return exec_raw(cpu, inst); }

// Without the decode cache (--no-block-cache): every execution decodes.
static u64 run_loop(struct rv64_cpu *cpu, u64 instruction_budget) {
    u64 retired = 0;
    while (retired < instruction_budget) {
        u64 pc = cpu->pc;
        u64 offset = pc & PAGE_OFFSET_MASK;
        u32 inst = 0;
        if ((pc >> PAGE_SHIFT) == cpu->fetch_vpn && offset <= RV64_PAGE_SIZE_BYTES - 4) {
            memcpy(&inst, cpu->fetch_host + offset, 4);
        } else if (!rv64_fetch_slow(cpu, pc, &inst)) {
            return retired;
        }
        bool ok = exec_raw(cpu, inst);
        cpu->x[0] = 0; // instructions with rd = x0 wrote it; x0 reads as zero
        if (!ok) return retired;
        retired++;
    }
    cpu->trap.cause = TRAP_TIMER_INTERRUPT;
    cpu->trap.tval = 0;
    return retired;
}

struct rv64_result rv64_run(const struct rv64_memory *memory, struct user_context *ctx,
                            u64 satp, u64 instruction_budget, u64 time_ticks) {
    assert(memory != NULL);
    assert(ctx != NULL);
    assert(memory->ram != NULL);
    assert(memory->ram_base_pa % RV64_PAGE_SIZE_BYTES == 0);
    assert(memory->ram_size_bytes % RV64_PAGE_SIZE_BYTES == 0);
    assert((satp >> SATP_MODE_SHIFT) == RV64_SATP_MODE_SV39);
    struct rv64_cpu cpu;
    memcpy(cpu.x, ctx->regs, sizeof(cpu.x));
    cpu.x[0] = 0;
    cpu.pc = ctx->pc;
    cpu.memory = memory;
    cpu.decode = memory->decode;
    cpu.fetch_page = NULL;
    cpu.root_pa = (satp & SATP_PPN_MASK) << PAGE_SHIFT;
    cpu.time_ticks = time_ticks;
    cpu.trap.cause = 0;
    cpu.trap.tval = 0;
    cpu.reservation_valid = false;
    cpu.reservation_va = 0;
    cpu.reservation_size_bytes = 0;
    tlb_flush(&cpu);
    struct rv64_result result = {.trap = {0}, .instructions_retired = 0};
    if ((cpu.pc & 1) != 0) {
        // Only a kernel-chosen entry point can be odd: jumps clear bit 0.
        trap_set(&cpu, TRAP_INSTRUCTION_MISALIGNED, cpu.pc);
    } else {
        result.instructions_retired = cpu.decode != NULL ? rv64_run_cached(&cpu, instruction_budget)
                                                         : run_loop(&cpu, instruction_budget);
    }
    assert(result.instructions_retired <= instruction_budget);
    memcpy(ctx->regs, cpu.x, sizeof(ctx->regs));
    ctx->regs[0] = 0;
    ctx->pc = cpu.pc;
    result.trap = cpu.trap;
    return result;
}
