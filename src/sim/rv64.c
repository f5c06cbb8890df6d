// RV64IMAC user-mode interpreter with an Sv39 walker (RISC-V unprivileged spec
// 20191213 and privileged spec 20211203). One call runs one slice of one process.
//
// Speed comes from three caches, all rebuilt at every call and all exact:
// - a direct-mapped software TLB of 4 KiB translations, per access kind;
// - the host address of the page the pc is in (fetch fast path);
// - nothing is pre-decoded, so stores to code are seen at once (FENCE.I is a no-op).
// The TLB never lets a fast-path store reach a page that holds a page table it has
// cached a translation from (see table_pages), so a user store to a page table is
// seen by the very next access exactly as an uncached walk would see it.
#include "sim/rv64.h"

#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "rv64.c reads guest memory with memcpy and assumes a little-endian host"
#endif

// Hot helpers must inline into the dispatch loop, or the interpreter loses half its
// speed; both gcc and clang know the attribute.
#define RV64_INLINE static inline __attribute__((always_inline))

#define PAGE_SHIFT 12u
#define RV64_PAGE_SIZE_BYTES 4096ull
#define PAGE_OFFSET_MASK (RV64_PAGE_SIZE_BYTES - 1)
#define TLB_ENTRIES_COUNT 64u // power of two: indexed by the low VPN bits
#define TABLE_PAGES_MAX 32u   // page-table pages tracked before a full flush
#define TAG_INVALID UINT64_MAX // no VPN (VA >> 12) ever has this value
#define REGS_COUNT 32u

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
#define INST_EBREAK 0x00100073u

enum access { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE };

enum walk_status { WALK_OK, WALK_PAGE_FAULT, WALK_ACCESS_FAULT };

struct tlb_entry {
    u64 tag_read;  // VPN if loads may use `host`, else TAG_INVALID
    u64 tag_write; // VPN if stores may use `host` (W, D, and not a page-table page)
    u64 tag_exec;  // VPN if fetches may use `host`
    u64 frame_pa;  // physical 4 KiB frame, to recognise page-table pages
    u8 *host;      // the frame inside memory->ram
};

struct walk {
    u64 leaf_pte;
    u64 frame_pa; // 4 KiB frame of the VA (inside a superpage if the leaf is one)
    u64 table_pa[SV39_LEVELS_COUNT];
    u32 table_count;
};

struct rv64_cpu {
    u64 x[REGS_COUNT];
    u64 pc;
    const struct rv64_memory *memory;
    u64 root_pa;
    struct platform_trap trap;
    // LR/SC: one reservation, cleared at every call (a spurious SC failure is legal).
    bool reservation_valid;
    u64 reservation_va;
    u32 reservation_size_bytes;
    // Fetch fast path: VPN of the page the pc was last in, and its frame.
    u64 fetch_vpn;
    u8 *fetch_host;
    struct tlb_entry tlb[TLB_ENTRIES_COUNT];
    // Frames that held page-table entries read by walks since the last flush.
    u64 table_pages[TABLE_PAGES_MAX];
    u32 table_pages_count;
};

// ---- arithmetic without undefined or implementation-defined behaviour -------------

// Sign-extend the low `bits` bits of v (v must have no higher bits set).
RV64_INLINE u64 sext(u64 v, u32 bits) {
    u64 sign = 1ull << (bits - 1);
    return (v ^ sign) - sign;
}
RV64_INLINE u64 sext32(u64 v) { return sext(v & 0xffffffffull, 32); }
RV64_INLINE u64 sra64(u64 v, u32 shift) {
    u64 fill = 0 - (v >> 63);
    return ((v ^ fill) >> shift) ^ fill;
}
RV64_INLINE bool lt_signed(u64 a, u64 b) { return (a ^ (1ull << 63)) < (b ^ (1ull << 63)); }
RV64_INLINE i64 as_i64(u64 v) { return v > (u64)INT64_MAX ? -(i64)(~v) - 1 : (i64)v; }
RV64_INLINE i32 as_i32(u32 v) { return v > (u32)INT32_MAX ? -(i32)(~v) - 1 : (i32)v; }

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
static bool load_slow(struct rv64_cpu *cpu, u64 va, u32 size_bytes, u64 *value) {
    assert(size_bytes >= 1 && size_bytes <= 8);
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

static bool store_slow(struct rv64_cpu *cpu, u64 va, u32 size_bytes, u64 value) {
    assert(size_bytes >= 1 && size_bytes <= 8);
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
    return load_slow(cpu, va, size_bytes, value);
}

RV64_INLINE bool store(struct rv64_cpu *cpu, u64 va, u32 size_bytes, u64 value) {
    u64 vpn = va >> PAGE_SHIFT;
    u64 offset = va & PAGE_OFFSET_MASK;
    const struct tlb_entry *entry = &cpu->tlb[vpn & (TLB_ENTRIES_COUNT - 1)];
    if (entry->tag_write == vpn && offset <= RV64_PAGE_SIZE_BYTES - size_bytes) {
        memcpy(entry->host + offset, &value, size_bytes);
        return true;
    }
    return store_slow(cpu, va, size_bytes, value);
}

// ---- instruction fetch ------------------------------------------------------------

// Fetch when the pc is not in the cached fetch page, or its instruction may reach
// the next page. A 32-bit instruction across a page boundary translates both halves.
static bool fetch_slow(struct rv64_cpu *cpu, u64 pc, u32 *inst) {
    assert((pc & 1) == 0);
    struct frame frame = {0};
    if (!translate(cpu, pc, ACCESS_FETCH, &frame)) return false;
    cpu->fetch_vpn = pc >> PAGE_SHIFT;
    cpu->fetch_host = frame.host;
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

// ---- decoding ----------------------------------------------------------------------

#define RD(inst) (((inst) >> 7) & 31u)
#define RS1(inst) (((inst) >> 15) & 31u)
#define RS2(inst) (((inst) >> 20) & 31u)
#define FUNCT3(inst) (((inst) >> 12) & 7u)
#define FUNCT7(inst) ((inst) >> 25)

RV64_INLINE u64 imm_i(u32 inst) { return sext(inst >> 20, 12); }
RV64_INLINE u64 imm_s(u32 inst) { return sext(((inst >> 25) << 5) | ((inst >> 7) & 31u), 12); }
RV64_INLINE u64 imm_u(u32 inst) { return sext32(inst & 0xfffff000u); }
RV64_INLINE u64 imm_b(u32 inst) {
    u32 v = ((inst >> 31) << 12) | (((inst >> 7) & 1u) << 11) | (((inst >> 25) & 63u) << 5) |
            (((inst >> 8) & 15u) << 1);
    return sext(v, 13);
}
RV64_INLINE u64 imm_j(u32 inst) {
    u32 v = ((inst >> 31) << 20) | (((inst >> 12) & 255u) << 12) | (((inst >> 20) & 1u) << 11) |
            (((inst >> 21) & 1023u) << 1);
    return sext(v, 21);
}

static bool illegal(struct rv64_cpu *cpu, u32 inst) {
    return trap_set(cpu, TRAP_ILLEGAL_INSTRUCTION, inst);
}

// ---- M extension (results as the spec defines them for every input) ---------------

RV64_INLINE u64 mulhu(u64 a, u64 b) {
    __extension__ typedef unsigned __int128 u128;
    return (u64)(((u128)a * (u128)b) >> 64);
}
// Signed high products from the unsigned one: subtract the operand weights the
// sign bits would have contributed (two's complement), all in modular arithmetic.
RV64_INLINE u64 mulhsu(u64 a, u64 b) { return mulhu(a, b) - ((a >> 63) ? b : 0); }
RV64_INLINE u64 mulh(u64 a, u64 b) { return mulhsu(a, b) - ((b >> 63) ? a : 0); }

static u64 div64(u64 a, u64 b) {
    if (b == 0) return UINT64_MAX;
    if (a == (1ull << 63) && b == UINT64_MAX) return a; // overflow: the dividend
    return (u64)(as_i64(a) / as_i64(b));
}
static u64 rem64(u64 a, u64 b) {
    if (b == 0) return a;
    if (a == (1ull << 63) && b == UINT64_MAX) return 0;
    return (u64)(as_i64(a) % as_i64(b));
}
static u64 divu64(u64 a, u64 b) { return b == 0 ? UINT64_MAX : a / b; }
static u64 remu64(u64 a, u64 b) { return b == 0 ? a : a % b; }
static u64 div32(u64 a, u64 b) {
    u32 n = (u32)a;
    u32 d = (u32)b;
    if (d == 0) return UINT64_MAX;
    if (n == (1u << 31) && d == UINT32_MAX) return sext32(n);
    return sext32((u32)(as_i32(n) / as_i32(d)));
}
static u64 rem32(u64 a, u64 b) {
    u32 n = (u32)a;
    u32 d = (u32)b;
    if (d == 0) return sext32(n);
    if (n == (1u << 31) && d == UINT32_MAX) return 0;
    return sext32((u32)(as_i32(n) % as_i32(d)));
}
static u64 divu32(u64 a, u64 b) { return (u32)b == 0 ? UINT64_MAX : sext32((u32)a / (u32)b); }
static u64 remu32(u64 a, u64 b) { return (u32)b == 0 ? sext32(a) : sext32((u32)a % (u32)b); }

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

static bool exec_system(struct rv64_cpu *cpu, u32 inst) {
    // Only ECALL and EBREAK exist in U-mode for RV64IMAC: CSRs (Zicsr), WFI, SRET,
    // MRET and SFENCE.VMA are all illegal here.
    if (inst == INST_ECALL) return trap_set(cpu, TRAP_ECALL_FROM_USER, 0);
    if (inst == INST_EBREAK) return trap_set(cpu, TRAP_BREAKPOINT, cpu->pc);
    return illegal(cpu, inst);
}

RV64_INLINE bool exec_misc_mem(struct rv64_cpu *cpu, u32 inst) {
    // FENCE and FENCE.I: one hart, no cache of decoded code, so nothing to order.
    if (FUNCT3(inst) > 1) return illegal(cpu, inst);
    cpu->pc += 4;
    return true;
}
