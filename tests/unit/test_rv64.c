// Unit tests of the RV64 interpreter and its Sv39 walker (src/sim/machine/rv64.c).
// Page tables are built by hand in a RAM buffer at PA 0x80000000; small programs are
// encoded with rv64_encode.h or pasted from the assembler (rv64_snippets.h), and one
// compiled C workload (rv64_e2e_*.h) is compared with the same C compiled for the host.
//
// Normally built by `make unit-tests`. Standalone (when other sim files do not build):
//   cc -std=c11 -Wall -Wextra -Isrc -Itests/unit -DBASIN_SIM -DRV64_TEST_STANDALONE
//      tests/unit/test_rv64.c src/sim/machine/rv64.c -o /tmp/test_rv64
#include "sim/machine/rv64.h"
#include "sim/machine/rv64_decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/rv64_e2e_blob.h"
#include "tests/unit/rv64_e2e_program.h"
#include "tests/unit/rv64_encode.h"
#include "tests/unit/rv64_snippets.h"

#ifdef RV64_TEST_STANDALONE
_Noreturn void platform_panic(const char *file, u32 line, const char *what) {
    fprintf(stderr, "panic: %s:%u: %s\n", file, line, what);
    abort();
}
#endif

// ---- the test machine --------------------------------------------------------------

#define RAM_BASE_PA 0x80000000ull
#define RAM_SIZE_BYTES (8ull << 20)
#define TABLES_BASE_PA RAM_BASE_PA                 // page tables: first MiB
#define FRAMES_BASE_PA (RAM_BASE_PA + (1ull << 20)) // data frames: after them
#define PAGE_BYTES 4096ull
#define MEGAPAGE_BYTES (2ull << 20)
#define GIGAPAGE_BYTES (1ull << 30)

#define CODE_VA 0x2000000000ull
#define DATA_VA 0x2000100000ull
#define STACK_VA 0x2000200000ull // STACK_PAGES_COUNT pages below this are mapped
#define STACK_PAGES_COUNT 4u
#define BUDGET_LARGE 100000000ull

#define F_V (1ull << 0)
#define F_R (1ull << 1)
#define F_W (1ull << 2)
#define F_X (1ull << 3)
#define F_U (1ull << 4)
#define F_A (1ull << 6)
#define F_D (1ull << 7)
#define F_CODE (F_V | F_R | F_X | F_U | F_A)
#define F_DATA (F_V | F_R | F_W | F_U | F_A | F_D)
#define F_ALL (F_V | F_R | F_W | F_X | F_U | F_A | F_D)

struct machine {
    u8 *ram;
    struct rv64_memory memory;
    u64 root_pa;
    u64 next_table_pa;
    u64 next_frame_pa;
    struct user_context ctx;
    u64 code_pa; // frame behind CODE_VA
    u64 data_pa; // frame behind DATA_VA
    u32 code_length_bytes;
    u64 time_ticks; // what rdtime reads in the next run
};

static u8 *ram_at(struct machine *m, u64 pa) {
    assert(pa >= RAM_BASE_PA);
    assert(pa < RAM_BASE_PA + RAM_SIZE_BYTES);
    return m->ram + (pa - RAM_BASE_PA);
}
static u64 ram_read64(struct machine *m, u64 pa) {
    u64 v = 0;
    memcpy(&v, ram_at(m, pa), 8);
    return v;
}
static void ram_write64(struct machine *m, u64 pa, u64 v) { memcpy(ram_at(m, pa), &v, 8); }

static u64 alloc_table(struct machine *m) {
    u64 pa = m->next_table_pa;
    m->next_table_pa += PAGE_BYTES;
    assert(m->next_table_pa <= FRAMES_BASE_PA);
    return pa;
}
static u64 alloc_frame(struct machine *m) {
    u64 pa = m->next_frame_pa;
    m->next_frame_pa += PAGE_BYTES;
    assert(m->next_frame_pa <= RAM_BASE_PA + RAM_SIZE_BYTES - 2 * MEGAPAGE_BYTES);
    return pa;
}

static u64 pte_of(u64 pa, u64 flags) { return ((pa >> 12) << 10) | flags; }

// PA of the PTE for va at `level` (2 = root), creating pointer tables on the way.
static u64 pte_slot(struct machine *m, u64 va, u32 level) {
    u64 table = m->root_pa;
    for (u32 l = 2; l > level; l--) {
        u64 slot = table + ((va >> (12 + 9 * l)) & 511) * 8;
        u64 pte = ram_read64(m, slot);
        if ((pte & F_V) == 0) {
            pte = pte_of(alloc_table(m), F_V);
            ram_write64(m, slot, pte);
        }
        table = (pte >> 10) << 12;
    }
    return table + ((va >> (12 + 9 * level)) & 511) * 8;
}
static void map(struct machine *m, u64 va, u64 pa, u64 flags, u32 level) {
    ram_write64(m, pte_slot(m, va, level), pte_of(pa, flags));
}
static void map_raw(struct machine *m, u64 va, u64 pte, u32 level) {
    ram_write64(m, pte_slot(m, va, level), pte);
}
static u64 satp_of(struct machine *m) { return (8ull << 60) | (m->root_pa >> 12); }

// Every case runs twice: without the decode cache, then with this one, shared by all
// machines of the second pass so that frames reused across cases meet slots decoded
// from other programs (they must never run them).
static struct rv64_decode_cache *test_cache;

// Code page at CODE_VA, data page at DATA_VA, stack below STACK_VA; registers zero.
static void machine_init(struct machine *m) {
    memset(m, 0, sizeof(*m));
    m->ram = calloc(1, RAM_SIZE_BYTES);
    assert(m->ram != NULL);
    m->memory = (struct rv64_memory){m->ram, RAM_BASE_PA, RAM_SIZE_BYTES, test_cache};
    m->next_table_pa = TABLES_BASE_PA;
    m->next_frame_pa = FRAMES_BASE_PA;
    m->root_pa = alloc_table(m);
    m->code_pa = alloc_frame(m);
    m->data_pa = alloc_frame(m);
    map(m, CODE_VA, m->code_pa, F_CODE, 0);
    map(m, DATA_VA, m->data_pa, F_DATA, 0);
    for (u32 i = 1; i <= STACK_PAGES_COUNT; i++) {
        map(m, STACK_VA - i * PAGE_BYTES, alloc_frame(m), F_DATA, 0);
    }
    m->ctx.pc = CODE_VA;
    m->ctx.regs[SP] = STACK_VA;
}
static void machine_free(struct machine *m) { free(m->ram); }

static void emit(struct machine *m, u32 inst) {
    memcpy(ram_at(m, m->code_pa + m->code_length_bytes), &inst, 4);
    m->code_length_bytes += 4;
}
static void emit16(struct machine *m, u16 inst) {
    memcpy(ram_at(m, m->code_pa + m->code_length_bytes), &inst, 2);
    m->code_length_bytes += 2;
}
static void emit_bytes(struct machine *m, const u8 *bytes, u32 count) {
    memcpy(ram_at(m, m->code_pa + m->code_length_bytes), bytes, count);
    m->code_length_bytes += count;
}

static struct rv64_result run(struct machine *m, u64 budget) {
    return rv64_run(&m->memory, &m->ctx, satp_of(m), budget, m->time_ticks);
}

// ---- test bookkeeping -------------------------------------------------------------

static const char *fail_text;
static u32 fail_line;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fail_text = #cond;                                                           \
            fail_line = __LINE__;                                                        \
            return false;                                                                \
        }                                                                                \
    } while (0)

static struct rv64_result last_result;

// Runs until the first trap and checks its cause and the pc it left.
#define CHECK_TRAP(m, cause_, pc_va)                                                     \
    do {                                                                                 \
        last_result = run((m), BUDGET_LARGE);                                            \
        CHECK(last_result.trap.cause == (cause_));                                       \
        CHECK((m)->ctx.pc == (pc_va));                                                   \
    } while (0)

// Deterministic values for the randomised cases (PCG32, O'Neill's reference step).
struct pcg32 {
    u64 state;
    u64 increment;
};
static u32 pcg32_next(struct pcg32 *g) {
    u64 old = g->state;
    g->state = old * 6364136223846793005ull + g->increment;
    u32 xorshifted = (u32)(((old >> 18u) ^ old) >> 27u);
    u32 rot = (u32)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((0u - rot) & 31u));
}
static u64 pcg64_next(struct pcg32 *g) {
    u64 high = pcg32_next(g);
    return (high << 32) | pcg32_next(g);
}

// ---- reference arithmetic (plain host C, written independently of rv64.c) -------

enum alu_kind {
    K_ADD, K_SUB, K_SLL, K_SLT, K_SLTU, K_XOR, K_SRL, K_SRA, K_OR, K_AND,
    K_ADDW, K_SUBW, K_SLLW, K_SRLW, K_SRAW,
    K_MUL, K_MULH, K_MULHSU, K_MULHU, K_DIV, K_DIVU, K_REM, K_REMU,
    K_MULW, K_DIVW, K_DIVUW, K_REMW, K_REMUW,
};

static u64 w(i64 v) { return (u64)(i64)(i32)v; } // sign-extend the low word

static u64 ref_m(enum alu_kind kind, u64 a, u64 b) {
    i64 sa = (i64)a, sb = (i64)b;
    i32 wa = (i32)a, wb = (i32)b;
    __extension__ typedef __int128 i128;
    __extension__ typedef unsigned __int128 u128;
    switch (kind) {
    case K_MUL: return a * b;
    case K_MULH: return (u64)(((i128)sa * (i128)sb) >> 64);
    case K_MULHSU: return (u64)(((i128)sa * (i128)(u128)b) >> 64);
    case K_MULHU: return (u64)(((u128)a * (u128)b) >> 64);
    case K_DIV: return b == 0 ? ~0ull : (sa == INT64_MIN && sb == -1) ? a : (u64)(sa / sb);
    case K_DIVU: return b == 0 ? ~0ull : a / b;
    case K_REM: return b == 0 ? a : (sa == INT64_MIN && sb == -1) ? 0 : (u64)(sa % sb);
    case K_REMU: return b == 0 ? a : a % b;
    case K_MULW: return w((i64)(u32)((u32)a * (u32)b));
    case K_DIVW: return wb == 0 ? ~0ull : (wa == INT32_MIN && wb == -1) ? w(wa) : w(wa / wb);
    case K_DIVUW: return (u32)b == 0 ? ~0ull : w((i64)((u32)a / (u32)b));
    case K_REMW: return wb == 0 ? w(wa) : (wa == INT32_MIN && wb == -1) ? 0 : w(wa % wb);
    case K_REMUW: return (u32)b == 0 ? w(wa) : w((i64)((u32)a % (u32)b));
    default: assert(false); return 0;
    }
}

static u64 ref_alu(enum alu_kind kind, u64 a, u64 b) {
    switch (kind) {
    case K_ADD: return a + b;
    case K_SUB: return a - b;
    case K_SLL: return a << (b & 63);
    case K_SLT: return (i64)a < (i64)b;
    case K_SLTU: return a < b;
    case K_XOR: return a ^ b;
    case K_SRL: return a >> (b & 63);
    case K_SRA: return (u64)((i64)a >> (b & 63));
    case K_OR: return a | b;
    case K_AND: return a & b;
    case K_ADDW: return w((i64)(u32)(a + b));
    case K_SUBW: return w((i64)(u32)(a - b));
    case K_SLLW: return w((i64)(u32)((u32)a << (b & 31)));
    case K_SRLW: return w((i64)((u32)a >> (b & 31)));
    case K_SRAW: return w((i32)a >> (b & 31));
    default: return ref_m(kind, a, b);
    }
}

// Encoding of each register-register kind: opcode, funct7, funct3.
struct alu_encoding {
    enum alu_kind kind;
    const char *name;
    bool word;
    u32 funct7, funct3;
};
static const struct alu_encoding alu_ops[] = {
    {K_ADD, "add", false, 0, 0},      {K_SUB, "sub", false, 0x20, 0},
    {K_SLL, "sll", false, 0, 1},      {K_SLT, "slt", false, 0, 2},
    {K_SLTU, "sltu", false, 0, 3},    {K_XOR, "xor", false, 0, 4},
    {K_SRL, "srl", false, 0, 5},      {K_SRA, "sra", false, 0x20, 5},
    {K_OR, "or", false, 0, 6},        {K_AND, "and", false, 0, 7},
    {K_MUL, "mul", false, 1, 0},      {K_MULH, "mulh", false, 1, 1},
    {K_MULHSU, "mulhsu", false, 1, 2}, {K_MULHU, "mulhu", false, 1, 3},
    {K_DIV, "div", false, 1, 4},      {K_DIVU, "divu", false, 1, 5},
    {K_REM, "rem", false, 1, 6},      {K_REMU, "remu", false, 1, 7},
    {K_ADDW, "addw", true, 0, 0},     {K_SUBW, "subw", true, 0x20, 0},
    {K_SLLW, "sllw", true, 0, 1},     {K_SRLW, "srlw", true, 0, 5},
    {K_SRAW, "sraw", true, 0x20, 5},  {K_MULW, "mulw", true, 1, 0},
    {K_DIVW, "divw", true, 1, 4},     {K_DIVUW, "divuw", true, 1, 5},
    {K_REMW, "remw", true, 1, 6},     {K_REMUW, "remuw", true, 1, 7},
};

static const u64 interesting_values[] = {
    0, 1, 2, 3, 5, ~0ull, ~0ull - 1, 1ull << 63, (1ull << 63) - 1, (1ull << 63) + 1,
    0x80000000ull, 0x7fffffffull, 0xffffffffull, 0xffffffff80000000ull, 0x100000000ull,
    0xffffffff7fffffffull, 0x123456789abcdef0ull, 0xfedcba9876543210ull, 63, 64, 31, 32, 33,
};

// Executes `inst` (reading a1, a2; writing a0) followed by an ecall; returns a0.
static bool exec_one(struct machine *m, u32 inst, u64 a, u64 b, u64 *out) {
    m->code_length_bytes = 0;
    emit(m, inst);
    emit(m, ECALL);
    memset(&m->ctx, 0, sizeof(m->ctx));
    m->ctx.regs[A0] = 0x5a5a5a5a5a5a5a5aull;
    m->ctx.regs[A1] = a;
    m->ctx.regs[A2] = b;
    m->ctx.pc = CODE_VA;
    struct rv64_result r = run(m, 10);
    if (r.trap.cause != TRAP_ECALL_FROM_USER || m->ctx.pc != CODE_VA + 4) return false;
    if (r.instructions_retired != 1 || m->ctx.regs[A1] != a || m->ctx.regs[A2] != b) return false;
    *out = m->ctx.regs[A0];
    return true;
}

static u64 pick_value(struct pcg32 *g, u32 i) {
    if (i < ARRAY_COUNT(interesting_values)) return interesting_values[i];
    u64 v = pcg64_next(g);
    switch (i % 4) { // mix in narrow and sign-heavy values
    case 0: return v;
    case 1: return v >> (v & 63);
    case 2: return (u64)(i64)(i32)v;
    default: return ~0ull - (v & 0xff);
    }
}

static bool test_alu_register_ops(void) {
    struct machine m;
    machine_init(&m);
    struct pcg32 g = {0x853c49e6748fea9bull, 0xda3e39cb94b95bdbull};
    const u32 values_count = ARRAY_COUNT(interesting_values) + 40;
    for (u32 op = 0; op < ARRAY_COUNT(alu_ops); op++) {
        const struct alu_encoding *e = &alu_ops[op];
        u32 inst = e->word ? OPW(e->funct7, e->funct3, A0, A1, A2)
                           : OP(e->funct7, e->funct3, A0, A1, A2);
        struct pcg32 ga = g, gb = {g.state ^ 0x1234, 0x77};
        for (u32 i = 0; i < values_count; i++) {
            u64 a = pick_value(&ga, i);
            for (u32 j = 0; j < values_count; j++) {
                u64 b = pick_value(&gb, j);
                u64 got = 0;
                if (!exec_one(&m, inst, a, b, &got) || got != ref_alu(e->kind, a, b)) {
                    fprintf(stderr, "  %s(%#llx, %#llx) = %#llx, want %#llx\n", e->name,
                            (unsigned long long)a, (unsigned long long)b,
                            (unsigned long long)got, (unsigned long long)ref_alu(e->kind, a, b));
                    machine_free(&m);
                    CHECK(false);
                }
            }
        }
    }
    machine_free(&m);
    return true;
}

// The divide and multiply-high cases the spec tabulates, written out literally.
static bool test_m_edge_cases(void) {
    struct machine m;
    machine_init(&m);
    const u64 min64 = 1ull << 63;
    struct {
        u32 inst;
        u64 a, b, want;
    } cases[] = {
        {OP(1, 4, A0, A1, A2), 7, 0, ~0ull},             // div by zero: -1
        {OP(1, 5, A0, A1, A2), 7, 0, ~0ull},             // divu by zero: 2^64 - 1
        {OP(1, 6, A0, A1, A2), 7, 0, 7},                 // rem by zero: dividend
        {OP(1, 7, A0, A1, A2), ~0ull - 6, 0, ~0ull - 6}, // remu by zero: dividend
        {OP(1, 4, A0, A1, A2), min64, ~0ull, min64},     // div overflow: dividend
        {OP(1, 6, A0, A1, A2), min64, ~0ull, 0},         // rem overflow: 0
        {OP(1, 4, A0, A1, A2), (u64)-7, 2, (u64)-3},     // rounds towards zero
        {OP(1, 6, A0, A1, A2), (u64)-7, 2, (u64)-1},     // remainder takes the dividend's sign
        {OPW(1, 4, A0, A1, A2), 0x1234500000007ull, 0xffff00000000ull, ~0ull}, // divw /0
        {OPW(1, 5, A0, A1, A2), 7, 0x100000000ull, ~0ull},                  // divuw /0
        {OPW(1, 6, A0, A1, A2), 0x180000000ull, 0, 0xffffffff80000000ull},  // remw /0
        {OPW(1, 7, A0, A1, A2), 0x1fffffffeull, 0, ~0ull - 1},              // remuw /0
        {OPW(1, 4, A0, A1, A2), 0x80000000ull, 0xffffffffull, 0xffffffff80000000ull},
        {OPW(1, 6, A0, A1, A2), 0x80000000ull, ~0ull, 0},
        {OPW(1, 5, A0, A1, A2), 0xfffffffeull, 1, ~0ull - 1}, // divuw result sign-extends
        {OP(1, 1, A0, A1, A2), ~0ull, ~0ull, 0},              // mulh(-1, -1)
        {OP(1, 3, A0, A1, A2), ~0ull, ~0ull, ~0ull - 1},      // mulhu
        {OP(1, 2, A0, A1, A2), ~0ull, ~0ull, ~0ull},          // mulhsu(-1, 2^64-1)
        {OP(1, 1, A0, A1, A2), min64, min64, 1ull << 62},
        {OPW(1, 0, A0, A1, A2), 0x10000ull, 0x8000ull, 0xffffffff80000000ull}, // mulw
    };
    for (u32 i = 0; i < ARRAY_COUNT(cases); i++) {
        u64 got = 0;
        bool ok = exec_one(&m, cases[i].inst, cases[i].a, cases[i].b, &got);
        if (!ok || got != cases[i].want) fprintf(stderr, "  case %u: %#llx\n", i, (unsigned long long)got);
        CHECK(ok && got == cases[i].want);
    }
    machine_free(&m);
    return true;
}

static bool test_alu_immediate_ops(void) {
    struct machine m;
    machine_init(&m);
    struct pcg32 g = {42, 54};
    const i32 imms[] = {0, 1, -1, 2047, -2048, 5, -5, 0x7ff, 0x555, -0x555};
    for (u32 i = 0; i < ARRAY_COUNT(interesting_values) + 30; i++) {
        u64 a = pick_value(&g, i);
        for (u32 k = 0; k < ARRAY_COUNT(imms); k++) {
            i32 imm = imms[k];
            u64 simm = (u64)(i64)imm;
            u32 sh = (u32)imm & 63, shw = (u32)imm & 31;
            struct {
                u32 inst;
                u64 want;
            } c[] = {
                {ADDI(A0, A1, imm), a + simm},
                {SLTI(A0, A1, imm), ref_alu(K_SLT, a, simm)},
                {SLTIU(A0, A1, imm), ref_alu(K_SLTU, a, simm)},
                {XORI(A0, A1, imm), a ^ simm},
                {ORI(A0, A1, imm), a | simm},
                {ANDI(A0, A1, imm), a & simm},
                {SLLI(A0, A1, sh), ref_alu(K_SLL, a, sh)},
                {SRLI(A0, A1, sh), ref_alu(K_SRL, a, sh)},
                {SRAI(A0, A1, sh), ref_alu(K_SRA, a, sh)},
                {ADDIW(A0, A1, imm), ref_alu(K_ADDW, a, simm)},
                {SLLIW(A0, A1, shw), ref_alu(K_SLLW, a, shw)},
                {SRLIW(A0, A1, shw), ref_alu(K_SRLW, a, shw)},
                {SRAIW(A0, A1, shw), ref_alu(K_SRAW, a, shw)},
                {LUI(A0, (u32)imm & 0xfffff), (u64)(i64)(i32)((u32)imm << 12)},
                {AUIPC(A0, (u32)imm & 0xfffff), CODE_VA + (u64)(i64)(i32)((u32)imm << 12)},
            };
            for (u32 n = 0; n < ARRAY_COUNT(c); n++) {
                u64 got = 0;
                bool ok = exec_one(&m, c[n].inst, a, 0, &got);
                if (!ok || got != c[n].want) {
                    fprintf(stderr, "  inst %#x a=%#llx: %#llx want %#llx\n", c[n].inst,
                            (unsigned long long)a, (unsigned long long)got,
                            (unsigned long long)c[n].want);
                }
                CHECK(ok && got == c[n].want);
            }
        }
    }
    machine_free(&m);
    return true;
}

static bool test_x0_stays_zero(void) {
    struct machine m;
    machine_init(&m);
    m.ctx.regs[0] = 0xdead; // whatever the caller left there reads as zero
    emit(&m, ADD(A0, ZERO, ZERO));
    emit(&m, ADDI(ZERO, ZERO, 5));
    emit(&m, LUI(ZERO, 0x12345));
    emit(&m, ADD(A1, ZERO, ZERO));
    emit(&m, JAL(ZERO, 4));
    emit(&m, ADDI(A2, ZERO, 0));
    emit16(&m, 0x4001); // c.li x0, 0 (a HINT: no effect)
    emit16(&m, 0x0001); // c.nop
    emit(&m, ECALL);
    m.ctx.regs[A0] = m.ctx.regs[A1] = m.ctx.regs[A2] = 9;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 28);
    CHECK(m.ctx.regs[0] == 0 && m.ctx.regs[A0] == 0 && m.ctx.regs[A1] == 0 && m.ctx.regs[A2] == 0);
    CHECK(last_result.instructions_retired == 8);
    machine_free(&m);
    return true;
}

// ---- loads and stores --------------------------------------------------------------

static bool test_loads_every_width(void) {
    struct machine m;
    machine_init(&m);
    u8 *data = ram_at(&m, m.data_pa);
    for (u32 i = 0; i < 64; i++) data[i] = (u8)(0x80 + i * 7); // high bits set: sign tests
    struct {
        u32 funct3, size;
        bool is_signed;
    } widths[] = {{0, 1, true}, {1, 2, true}, {2, 4, true}, {3, 8, true},
                  {4, 1, false}, {5, 2, false}, {6, 4, false}};
    for (u32 k = 0; k < ARRAY_COUNT(widths); k++) {
        for (u32 offset = 0; offset < 16; offset++) { // every alignment: misaligned works
            u64 raw = 0;
            memcpy(&raw, data + offset, widths[k].size);
            u64 want = raw;
            u32 bits = widths[k].size * 8;
            if (widths[k].is_signed && bits < 64 && ((raw >> (bits - 1)) & 1)) {
                want = raw | (~0ull << bits);
            }
            u64 got = 0;
            // Base register one past the byte, negative immediate: exercises both.
            CHECK(exec_one(&m, LOAD(widths[k].funct3, A0, A1, -1), DATA_VA + offset + 1, 0, &got));
            CHECK(got == want);
        }
    }
    machine_free(&m);
    return true;
}

static bool test_stores_every_width(void) {
    struct machine m;
    machine_init(&m);
    u8 *data = ram_at(&m, m.data_pa);
    const u64 value = 0x8877665544332211ull;
    for (u32 funct3 = 0; funct3 < 4; funct3++) {
        u32 size = 1u << funct3;
        for (u32 offset = 0; offset < 12; offset++) {
            memset(data, 0xee, 32);
            u64 got = 0;
            CHECK(exec_one(&m, STORE(funct3, A2, A1, 8), DATA_VA + offset - 8, value, &got));
            for (u32 i = 0; i < 32; i++) {
                u8 want = (i >= offset && i < offset + size) ? (u8)(value >> (8 * (i - offset))) : 0xee;
                CHECK(data[i] == want);
            }
        }
    }
    machine_free(&m);
    return true;
}

// A misaligned access that spans two pages mapped to frames far apart.
static bool test_misaligned_across_pages(void) {
    struct machine m;
    machine_init(&m);
    u64 second_frame_pa = alloc_frame(&m); // the stack frames lie between the two
    map(&m, DATA_VA + PAGE_BYTES, second_frame_pa, F_DATA, 0);
    u8 *low = ram_at(&m, m.data_pa);
    u8 *high = ram_at(&m, second_frame_pa);
    for (u32 i = 0; i < 8; i++) {
        low[PAGE_BYTES - 8 + i] = (u8)(0xa0 + i);
        high[i] = (u8)(0xb0 + i);
    }
    u64 got = 0;
    CHECK(exec_one(&m, LD(A0, A1, 0), DATA_VA + PAGE_BYTES - 3, 0, &got));
    CHECK(got == 0xb4b3b2b1b0a7a6a5ull);
    CHECK(exec_one(&m, LW(A0, A1, 0), DATA_VA + PAGE_BYTES - 1, 0, &got));
    CHECK(got == 0xffffffffb2b1b0a7ull);
    CHECK(exec_one(&m, SD(A2, A1, 0), DATA_VA + PAGE_BYTES - 5, 0x0807060504030201ull, &got));
    CHECK(low[PAGE_BYTES - 6] == 0xa2 && low[PAGE_BYTES - 5] == 0x01 && low[PAGE_BYTES - 1] == 0x05);
    CHECK(high[0] == 0x06 && high[2] == 0x08 && high[3] == 0xb3);
    // Second page read-only: the store faults on it and writes nothing at all.
    map(&m, DATA_VA + PAGE_BYTES, second_frame_pa, F_CODE, 0);
    m.code_length_bytes = 0;
    emit(&m, SD(A2, A1, 0));
    m.ctx.pc = CODE_VA;
    m.ctx.regs[A1] = DATA_VA + PAGE_BYTES - 2;
    CHECK_TRAP(&m, TRAP_STORE_PAGE_FAULT, CODE_VA);
    CHECK(last_result.trap.tval == DATA_VA + PAGE_BYTES); // the part that faulted
    CHECK(low[PAGE_BYTES - 2] == 0x04 && low[PAGE_BYTES - 1] == 0x05 && high[0] == 0x06);
    // Loads across into an unmapped page fault the same way.
    map_raw(&m, DATA_VA + PAGE_BYTES, 0, 0);
    m.code_length_bytes = 0;
    emit(&m, LH(A0, A1, 0));
    m.ctx.pc = CODE_VA;
    m.ctx.regs[A0] = 77;
    m.ctx.regs[A1] = DATA_VA + PAGE_BYTES - 1;
    CHECK_TRAP(&m, TRAP_LOAD_PAGE_FAULT, CODE_VA);
    CHECK(last_result.trap.tval == DATA_VA + PAGE_BYTES && m.ctx.regs[A0] == 77);
    machine_free(&m);
    return true;
}

// ---- control flow ------------------------------------------------------------------

static bool test_branches(void) {
    struct machine m;
    machine_init(&m);
    const u64 values[] = {0, 1, ~0ull, 1ull << 63, (1ull << 63) - 1, 5};
    for (u32 funct3 = 0; funct3 < 8; funct3++) {
        if (funct3 == 2 || funct3 == 3) continue;
        for (u32 i = 0; i < ARRAY_COUNT(values); i++) {
            for (u32 j = 0; j < ARRAY_COUNT(values); j++) {
                u64 a = values[i], b = values[j];
                bool want = false;
                switch (funct3) {
                case 0: want = a == b; break;
                case 1: want = a != b; break;
                case 4: want = (i64)a < (i64)b; break;
                case 5: want = (i64)a >= (i64)b; break;
                case 6: want = a < b; break;
                default: want = a >= b; break;
                }
                m.code_length_bytes = 0;
                emit(&m, JAL(ZERO, 12));                // skip two words, then branch back
                emit(&m, ADDI(A0, ZERO, 2));           // 4: taken
                emit(&m, ECALL);                       // 8
                emit(&m, enc_b(-8, A2, A1, funct3));   // 12: to 4
                emit(&m, ADDI(A0, ZERO, 1));           // 16: not taken
                emit(&m, ECALL);                       // 20
                memset(&m.ctx, 0, sizeof(m.ctx));
                m.ctx.pc = CODE_VA;
                m.ctx.regs[A1] = a;
                m.ctx.regs[A2] = b;
                CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + (want ? 8 : 20));
                CHECK(m.ctx.regs[A0] == (want ? 2u : 1u));
                CHECK(last_result.instructions_retired == 3);
            }
        }
    }
    machine_free(&m);
    return true;
}

static bool test_jumps(void) {
    struct machine m;
    machine_init(&m);
    emit(&m, JAL(RA, 8));        // 0: ra = 4
    emit(&m, ECALL);             // 4: the end, reached from 40
    emit(&m, AUIPC(T0, 0));      // 8: t0 = CODE_VA + 8
    emit(&m, ADDI(T0, T0, 17));  // 12: t0 = CODE_VA + 25
    emit(&m, JALR(T1, T0, 7));   // 16: to (CODE_VA + 32) & ~1, t1 = 20
    emit(&m, ECALL);             // 20: not reached
    emit(&m, ECALL);             // 24
    emit(&m, ECALL);             // 28
    emit(&m, JALR(T0, T0, 16));  // 32: odd target 41 & ~1 = 40; rd = rs1 reads first
    emit(&m, ECALL);             // 36: not reached
    emit(&m, JAL(A0, -36));      // 40: backwards to 4, a0 = 44
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 4);
    CHECK(last_result.instructions_retired == 6);
    CHECK(m.ctx.regs[RA] == CODE_VA + 4 && m.ctx.regs[T1] == CODE_VA + 20);
    CHECK(m.ctx.regs[T0] == CODE_VA + 36 && m.ctx.regs[A0] == CODE_VA + 44);
    machine_free(&m);
    return true;
}

// ---- compressed instructions -------------------------------------------------------

struct snapshot {
    struct user_context ctx;
    u8 data[2 * PAGE_BYTES];
    struct rv64_result result;
};

// Runs `code` from CODE_VA with seeded registers, sp and s1 inside the data pages.
static void run_snippet(const u8 *code, u32 size, u64 seed, struct snapshot *out) {
    struct machine m;
    machine_init(&m);
    map(&m, DATA_VA + PAGE_BYTES, alloc_frame(&m), F_DATA, 0);
    emit_bytes(&m, code, size);
    struct pcg32 g = {seed, 0x9e3779b97f4a7c15ull};
    for (u32 r = 1; r < 32; r++) m.ctx.regs[r] = pcg64_next(&g);
    u8 *data = ram_at(&m, m.data_pa);
    for (u32 i = 0; i < PAGE_BYTES; i++) data[i] = (u8)pcg32_next(&g);
    m.ctx.regs[SP] = DATA_VA + 1024;
    m.ctx.regs[S1] = DATA_VA + 2048;
    out->result = run(&m, 1000);
    out->ctx = m.ctx;
    memcpy(out->data, data, PAGE_BYTES);
    memcpy(out->data + PAGE_BYTES, ram_at(&m, m.next_frame_pa - PAGE_BYTES), PAGE_BYTES);
    machine_free(&m);
}

static bool test_compressed_match_full(void) {
    static struct snapshot c, full; // large: keep them off the stack
    for (u64 seed = 1; seed <= 20; seed++) {
        run_snippet(rv64_snippet_cdata_c, sizeof(rv64_snippet_cdata_c), seed, &c);
        run_snippet(rv64_snippet_cdata_full, sizeof(rv64_snippet_cdata_full), seed, &full);
        CHECK(c.result.trap.cause == TRAP_ECALL_FROM_USER);
        CHECK(full.result.trap.cause == TRAP_ECALL_FROM_USER);
        CHECK(c.result.instructions_retired == full.result.instructions_retired);
        CHECK(c.ctx.pc == CODE_VA + sizeof(rv64_snippet_cdata_c) - 4);
        CHECK(memcmp(c.ctx.regs, full.ctx.regs, sizeof(c.ctx.regs)) == 0);
        CHECK(memcmp(c.data, full.data, sizeof(c.data)) == 0);
        run_snippet(rv64_snippet_cctl_c, sizeof(rv64_snippet_cctl_c), seed, &c);
        run_snippet(rv64_snippet_cctl_full, sizeof(rv64_snippet_cctl_full), seed, &full);
        CHECK(c.result.trap.cause == TRAP_ECALL_FROM_USER);
        CHECK(memcmp(c.ctx.regs, full.ctx.regs, sizeof(c.ctx.regs)) == 0);
        CHECK(c.ctx.regs[A0] == 0 && c.ctx.regs[A1] == 5 && c.ctx.regs[A2] == 1);
        CHECK(c.ctx.regs[A3] == 0 && c.ctx.regs[A4] == 30 && c.ctx.regs[A5] == 0);
    }
    return true;
}

// A few compressed forms with hand-computed results (encodings from the assembler).
static bool test_compressed_explicit(void) {
    struct machine m;
    machine_init(&m);
    emit16(&m, 0x1141); // c.addi sp, sp, -16
    emit16(&m, 0x557d); // c.li a0, -1
    emit16(&m, 0x2501); // c.addiw a0, a0, 0: sext.w
    emit16(&m, 0x8505); // c.srai a0, a0, 1
    emit16(&m, 0x65c1); // c.lui a1, 0x10
    emit16(&m, 0x05c6); // c.slli a1, a1, 17
    emit16(&m, 0xe02e); // c.sdsp a1, 0(sp)
    emit16(&m, 0x6602); // c.ldsp a2, 0(sp)
    emit16(&m, 0x0034); // c.addi4spn a3, sp, 8
    emit16(&m, 0x8e15); // c.sub a2, a2, a3
    emit(&m, ECALL);
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 20);
    CHECK(m.ctx.regs[SP] == STACK_VA - 16 && m.ctx.regs[A0] == ~0ull);
    CHECK(m.ctx.regs[A1] == (0x10000ull << 17) && m.ctx.regs[A3] == STACK_VA - 8);
    CHECK(m.ctx.regs[A2] == (0x10000ull << 17) - (STACK_VA - 8));
    // c.jalr ra: the target comes from ra before ra takes the return address.
    m.code_length_bytes = 0;
    emit(&m, AUIPC(RA, 0));      // 0
    emit(&m, ADDI(RA, RA, 12));  // 4
    emit16(&m, 0x9082);          // 8: c.jalr ra
    emit16(&m, 0x9002);          // 10: c.ebreak, not reached
    emit(&m, ECALL);             // 12
    m.ctx.pc = CODE_VA;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 12);
    CHECK(m.ctx.regs[RA] == CODE_VA + 10);
    machine_free(&m);
    return true;
}

// ---- atomics -----------------------------------------------------------------------

static u64 ref_amo(u32 funct5, u64 old, u64 operand, bool word) {
    i64 so = word ? (i64)(i32)old : (i64)old;
    i64 sp = word ? (i64)(i32)operand : (i64)operand;
    u64 uo = word ? (u32)old : old;
    u64 up = word ? (u32)operand : operand;
    switch (funct5) {
    case 0x01: return operand;
    case 0x00: return old + operand;
    case 0x04: return old ^ operand;
    case 0x0c: return old & operand;
    case 0x08: return old | operand;
    case 0x10: return so < sp ? old : operand;
    case 0x14: return so > sp ? old : operand;
    case 0x18: return uo < up ? old : operand;
    default: return uo > up ? old : operand;
    }
}

static bool test_amo_ops(void) {
    struct machine m;
    machine_init(&m);
    const u32 ops[] = {0x01, 0x00, 0x04, 0x0c, 0x08, 0x10, 0x14, 0x18, 0x1c};
    const u64 values[] = {0, 1, ~0ull, 0x80000000ull, 0x7fffffffull, 1ull << 63,
                          0xffffffff00000005ull, 0x00000001fffffffeull};
    for (u32 o = 0; o < ARRAY_COUNT(ops); o++) {
        for (u32 width = AMO_W; width <= AMO_D; width++) {
            bool word = width == AMO_W;
            for (u32 i = 0; i < ARRAY_COUNT(values); i++) {
                for (u32 j = 0; j < ARRAY_COUNT(values); j++) {
                    const u64 guard = 0x1122334455667788ull;
                    ram_write64(&m, m.data_pa + 8, values[i]);
                    ram_write64(&m, m.data_pa + 16, guard);
                    u64 got = 0;
                    CHECK(exec_one(&m, AMO(ops[o], width, A0, A1, A2), DATA_VA + 8, values[j], &got));
                    u64 old = word ? (u64)(i64)(i32)values[i] : values[i];
                    u64 want = ref_amo(ops[o], values[i], values[j], word);
                    u64 mem = ram_read64(&m, m.data_pa + 8);
                    if (word) want = (values[i] & ~0xffffffffull) | (u32)want;
                    CHECK(got == old && mem == want);
                    CHECK(ram_read64(&m, m.data_pa + 16) == guard);
                }
            }
        }
    }
    // rd = rs2: the operand is read before the old value lands in rd.
    ram_write64(&m, m.data_pa, 10);
    u64 got = 0;
    m.code_length_bytes = 0;
    emit(&m, AMO(0x00, AMO_D, A2, A1, A2));
    emit(&m, ECALL);
    m.ctx = (struct user_context){.pc = CODE_VA};
    m.ctx.regs[A1] = DATA_VA;
    m.ctx.regs[A2] = 5;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 4);
    got = m.ctx.regs[A2];
    CHECK(got == 10 && ram_read64(&m, m.data_pa) == 15);
    machine_free(&m);
    return true;
}

static bool test_lr_sc(void) {
    struct machine m;
    machine_init(&m);
    ram_write64(&m, m.data_pa, 0xffffffff80000001ull);
    emit(&m, LR(AMO_W, A0, A1));       // 0: a0 = sign-extended word
    emit(&m, SC(AMO_W, A3, A1, A2));   // 4: succeeds: a3 = 0
    emit(&m, SC(AMO_W, A4, A1, A2));   // 8: no reservation left: a4 = 1
    emit(&m, LR(AMO_D, A5, A1));       // 12
    emit(&m, SC(AMO_D, T0, T2, A2));   // 16: other address: fails, t0 = 1
    emit(&m, LR(AMO_D, A5, A1));       // 20
    emit(&m, SC(AMO_W, T1, A1, A2));   // 24: other size: fails, t1 = 1
    emit(&m, LR(AMO_D, A6, A1));       // 28
    emit(&m, ECALL);                   // 32: the kernel runs; the reservation is lost
    emit(&m, SC(AMO_D, T3, A1, A2));   // 36: fails, t3 = 1
    emit(&m, LR(AMO_D, A7, A1));       // 40
    emit(&m, SC(AMO_D, T4, A1, T5));   // 44: succeeds
    emit(&m, ECALL);                   // 48
    m.ctx.regs[A1] = DATA_VA;
    m.ctx.regs[T2] = DATA_VA + 8;
    m.ctx.regs[A2] = 0x1234;
    m.ctx.regs[T5] = 0xabcdef0123456789ull;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 32);
    CHECK(m.ctx.regs[A0] == 0xffffffff80000001ull && m.ctx.regs[A3] == 0);
    CHECK(m.ctx.regs[A4] == 1 && m.ctx.regs[T0] == 1 && m.ctx.regs[T1] == 1);
    CHECK(ram_read64(&m, m.data_pa) == 0xffffffff00001234ull);
    CHECK(ram_read64(&m, m.data_pa + 8) == 0);
    m.ctx.pc += 4;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 48);
    CHECK(m.ctx.regs[T3] == 1 && m.ctx.regs[T4] == 0);
    CHECK(ram_read64(&m, m.data_pa) == 0xabcdef0123456789ull);
    machine_free(&m);
    return true;
}

// Misaligned AMO and SC: store/AMO address misaligned (6); LR: load misaligned (4).
// A fault in either kind leaves memory and rd alone.
static bool test_atomics_faults(void) {
    struct machine m;
    machine_init(&m);
    map(&m, DATA_VA + PAGE_BYTES, alloc_frame(&m), F_CODE, 0); // read-only page
    struct {
        u32 inst;
        u64 address, cause;
    } cases[] = {
        {AMO(0x00, AMO_W, A0, A1, A2), DATA_VA + 2, TRAP_STORE_MISALIGNED},
        {AMO(0x01, AMO_D, A0, A1, A2), DATA_VA + 4, TRAP_STORE_MISALIGNED},
        {LR(AMO_D, A0, A1), DATA_VA + 4, TRAP_LOAD_MISALIGNED},
        {LR(AMO_W, A0, A1), DATA_VA + 1, TRAP_LOAD_MISALIGNED},
        {SC(AMO_W, A0, A1, A2), DATA_VA + 1, TRAP_STORE_MISALIGNED},
        {AMO(0x00, AMO_D, A0, A1, A2), DATA_VA + PAGE_BYTES, TRAP_STORE_PAGE_FAULT},
        {SC(AMO_D, A0, A1, A2), DATA_VA + PAGE_BYTES, TRAP_STORE_PAGE_FAULT},
        {LR(AMO_D, A0, A1), DATA_VA + 3 * PAGE_BYTES, TRAP_LOAD_PAGE_FAULT},
        {AMO(0x00, AMO_W, A0, A1, A2), 0x4000000000ull, TRAP_STORE_PAGE_FAULT},
    };
    for (u32 i = 0; i < ARRAY_COUNT(cases); i++) {
        ram_write64(&m, m.data_pa, 0x0102030405060708ull);
        ram_write64(&m, m.data_pa + 8, 0x1112131415161718ull);
        m.code_length_bytes = 0;
        emit(&m, cases[i].inst);
        m.ctx = (struct user_context){.pc = CODE_VA};
        m.ctx.regs[A0] = 99;
        m.ctx.regs[A1] = cases[i].address;
        m.ctx.regs[A2] = ~0ull;
        CHECK_TRAP(&m, cases[i].cause, CODE_VA);
        CHECK(last_result.trap.tval == cases[i].address && last_result.instructions_retired == 0);
        CHECK(m.ctx.regs[A0] == 99);
        CHECK(ram_read64(&m, m.data_pa) == 0x0102030405060708ull);
        CHECK(ram_read64(&m, m.data_pa + 8) == 0x1112131415161718ull);
    }
    // LR with rs2 != 0 and AMO funct5 that is no AMO are illegal.
    u32 bad[] = {AMO(0x02, AMO_W, A0, A1, A2), AMO(0x1e, AMO_D, A0, A1, A2),
                 AMO(0x00, 1, A0, A1, A2), AMO(0x00, 4, A0, A1, A2)};
    for (u32 i = 0; i < ARRAY_COUNT(bad); i++) {
        m.code_length_bytes = 0;
        emit(&m, bad[i]);
        m.ctx = (struct user_context){.pc = CODE_VA};
        m.ctx.regs[A1] = DATA_VA;
        CHECK_TRAP(&m, TRAP_ILLEGAL_INSTRUCTION, CODE_VA);
        CHECK(last_result.trap.tval == bad[i]);
    }
    machine_free(&m);
    return true;
}

// ---- traps: ecall, budget, illegal instructions ------------------------------------

static bool test_ecall_and_ebreak(void) {
    struct machine m;
    machine_init(&m);
    emit(&m, ADDI(A7, ZERO, 93));
    emit(&m, ECALL);
    emit(&m, ADDI(A0, A0, 1));
    emit(&m, EBREAK);
    emit16(&m, 0x9002); // c.ebreak
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 4);
    CHECK(last_result.instructions_retired == 1 && m.ctx.regs[A7] == 93);
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 4); // pc stays at the ecall
    CHECK(last_result.instructions_retired == 0);
    m.ctx.pc += 4; // the kernel's job
    CHECK_TRAP(&m, TRAP_BREAKPOINT, CODE_VA + 12);
    CHECK(last_result.trap.tval == CODE_VA + 12 && m.ctx.regs[A0] == 1);
    m.ctx.pc += 4;
    CHECK_TRAP(&m, TRAP_BREAKPOINT, CODE_VA + 16);
    CHECK(last_result.trap.tval == CODE_VA + 16);
    machine_free(&m);
    return true;
}

static bool test_budget(void) {
    struct machine m;
    machine_init(&m);
    emit(&m, ADDI(A0, A0, 1)); // 0
    emit(&m, JAL(ZERO, -4));   // 4
    struct rv64_result r = run(&m, 1001);
    CHECK(r.trap.cause == TRAP_TIMER_INTERRUPT && r.instructions_retired == 1001);
    CHECK(m.ctx.pc == CODE_VA + 4 && m.ctx.regs[A0] == 501);
    r = run(&m, 0);
    CHECK(r.trap.cause == TRAP_TIMER_INTERRUPT && r.instructions_retired == 0);
    CHECK(m.ctx.pc == CODE_VA + 4 && m.ctx.regs[A0] == 501);
    r = run(&m, 2);
    CHECK(r.instructions_retired == 2 && m.ctx.pc == CODE_VA + 4 && m.ctx.regs[A0] == 502);
    // A budget that ends right before an ecall: the ecall has not happened yet.
    struct machine n;
    machine_init(&n);
    emit(&n, NOP);
    emit16(&n, 0x0001); // c.nop
    emit(&n, ECALL);
    r = run(&n, 2);
    CHECK(r.trap.cause == TRAP_TIMER_INTERRUPT && n.ctx.pc == CODE_VA + 6);
    r = run(&n, 1);
    CHECK(r.trap.cause == TRAP_ECALL_FROM_USER && r.instructions_retired == 0);
    CHECK(n.ctx.pc == CODE_VA + 6);
    machine_free(&n);
    machine_free(&m);
    return true;
}

// rdtime and its other read-only spellings read the time given to the run; the time
// stays where it was for the whole run.
static bool test_rdtime(void) {
    struct machine m;
    machine_init(&m);
    emit(&m, 0xc0102573u); // rdtime a0 (csrrs a0, time, x0)
    emit(&m, 0xc01065f3u); // csrrsi a1, time, 0
    emit(&m, 0xc0103673u); // csrrc a2, time, x0
    emit(&m, 0xc0107073u); // csrrci x0, time, 0: a read into x0
    emit(&m, ECALL);
    m.time_ticks = 123456789;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 16);
    CHECK(last_result.instructions_retired == 4);
    CHECK(m.ctx.regs[A0] == 123456789 && m.ctx.regs[A1] == 123456789);
    CHECK(m.ctx.regs[A2] == 123456789 && m.ctx.regs[ZERO] == 0);
    machine_free(&m);
    return true;
}

static bool test_illegal_instructions(void) {
    struct machine m;
    machine_init(&m);
    const u32 insts[] = {
        0xc0002573u, // csrr a0, cycle (rdcycle)
        0xc0202573u, // csrr a0, instret (rdinstret)
        0xc8102573u, // csrr a0, timeh: RV32 only
        0xc015a573u, // csrrs a0, time, a1: a write attempt
        0xc0151073u, // csrw time, a0
        0xc0159573u, // csrrw a0, time, a1
        0xc010e573u, // csrrsi a0, time, 1: a write attempt
        0x10051073u, // csrw sstatus, a0
        0x0020f053u, // fadd.s ft0, ft1, ft2
        0x00052007u, // flw ft0, 0(a0)
        0x00153427u, // fsd ft1, 8(a0)
        0x10500073u, // wfi
        0x30200073u, // mret
        0x10200073u, // sret
        0x12000073u, // sfence.vma
        0x00000000u | 0xffff0000u, // low halfword zero: the illegal all-zero parcel
        0x2588u,     // c.fld fa0, 8(a1)
        0xa42au,     // c.fsdsp fa0, 8(sp)
        0x2522u,     // c.fldsp fa0, 8(sp)
        0x2001u,     // c.addiw x0, 0: reserved
        0x8002u,     // c.jr x0: reserved
        0x4002u,     // c.lwsp x0: reserved
        0x6002u,     // c.ldsp x0: reserved
        0x6101u,     // c.addi16sp 0: reserved
        0x6081u,     // c.lui ra, 0: reserved
        0x9c41u,     // quadrant 1 reserved arithmetic (funct2 = 10 with bit 12)
        0x8000u,     // quadrant 0 funct3 = 100: reserved
        0x0001u << 13 | 0x0000u, // c.fld with all-zero fields
        SLLI(A0, A1, 0) | (1u << 26), // slli with imm[11:6] != 0
        SRLI(A0, A1, 0) | (0x08u << 26),
        SLLIW(A0, A1, 1) | (1u << 25), // slliw shamt[5] set
        OP(0x02, 0, A0, A1, A2),       // unknown funct7
        OPW(0x01, 1, A0, A1, A2),      // no mulhw in RV64
        enc_b(8, A1, A0, 2),           // branch funct3 = 2
        LOAD(7, A0, A1, 0),            // no ldu
        STORE(4, A0, A1, 0),           // no sq
        JALR(A0, A1, 0) | (1u << 12),  // jalr funct3 != 0
        0x0000200fu,                   // MISC-MEM funct3 = 2 (cbo.*)
        0x0000007fu,                   // 64-bit+ encodings do not exist here
        0x0000001fu,                   // 48-bit
        0x00100073u | (1u << 7),       // ebreak with rd != 0
    };
    for (u32 i = 0; i < ARRAY_COUNT(insts); i++) {
        u32 inst = insts[i];
        bool compressed = (inst & 3) != 3;
        m.code_length_bytes = 0;
        if (compressed) {
            emit16(&m, (u16)inst);
            emit16(&m, 0xffff); // whatever follows is not part of it
        } else {
            emit(&m, inst);
        }
        m.ctx = (struct user_context){.pc = CODE_VA};
        for (u32 r = 1; r < 32; r++) m.ctx.regs[r] = 1000 + r;
        m.ctx.regs[A0] = DATA_VA;
        m.ctx.regs[SP] = STACK_VA - 64;
        struct user_context before = m.ctx;
        CHECK_TRAP(&m, TRAP_ILLEGAL_INSTRUCTION, CODE_VA);
        u64 want_tval = compressed ? (inst & 0xffffu) : inst;
        if (last_result.trap.tval != want_tval) fprintf(stderr, "  inst %#x\n", inst);
        CHECK(last_result.trap.tval == want_tval && last_result.instructions_retired == 0);
        CHECK(memcmp(&before, &m.ctx, sizeof(before)) == 0);
    }
    machine_free(&m);
    return true;
}

// ---- Sv39 translation and its faults -----------------------------------------------

// One load (a0 = [a1]) from `va` under a fresh standard machine whose mapping of
// TEST_VA the caller set up; checks cause (0 = it loads `want`) and tval.
#define TEST_VA 0x2000300000ull

static bool probe(struct machine *m, u32 inst, u64 va, u64 cause, u64 want) {
    m->code_length_bytes = 0;
    emit(m, inst);
    emit(m, ECALL);
    m->ctx = (struct user_context){.pc = CODE_VA};
    m->ctx.regs[A0] = 0x77;
    m->ctx.regs[A1] = va;
    m->ctx.regs[A2] = 0x4242;
    struct rv64_result r = run(m, 10);
    if (cause == 0) {
        return r.trap.cause == TRAP_ECALL_FROM_USER && m->ctx.regs[A0] == want;
    }
    return r.trap.cause == cause && r.trap.tval == va && m->ctx.pc == CODE_VA &&
           m->ctx.regs[A0] == 0x77 && r.instructions_retired == 0;
}

static bool test_page_faults(void) {
    struct machine m;
    machine_init(&m);
    u64 frame = alloc_frame(&m);
    ram_write64(&m, frame, 0x1234);
    // Unmapped, then each bad leaf, each for load and store.
    CHECK(probe(&m, LD(A0, A1, 0), TEST_VA, TRAP_LOAD_PAGE_FAULT, 0));
    CHECK(probe(&m, SD(A2, A1, 0), TEST_VA, TRAP_STORE_PAGE_FAULT, 0));
    map(&m, TEST_VA, frame, F_DATA & ~F_U, 0); // supervisor page
    CHECK(probe(&m, LD(A0, A1, 0), TEST_VA, TRAP_LOAD_PAGE_FAULT, 0));
    map(&m, TEST_VA, frame, F_DATA & ~F_A, 0); // never accessed: Svade fault
    CHECK(probe(&m, LD(A0, A1, 0), TEST_VA, TRAP_LOAD_PAGE_FAULT, 0));
    CHECK(probe(&m, SD(A2, A1, 0), TEST_VA, TRAP_STORE_PAGE_FAULT, 0));
    map(&m, TEST_VA, frame, F_DATA & ~F_D, 0); // clean: loads work, stores fault
    CHECK(probe(&m, LD(A0, A1, 0), TEST_VA, 0, 0x1234));
    CHECK(probe(&m, SD(A2, A1, 0), TEST_VA, TRAP_STORE_PAGE_FAULT, 0));
    map(&m, TEST_VA, frame, F_V | F_R | F_U | F_A | F_D, 0); // read-only
    CHECK(probe(&m, LD(A0, A1, 0), TEST_VA, 0, 0x1234));
    CHECK(probe(&m, SD(A2, A1, 0), TEST_VA, TRAP_STORE_PAGE_FAULT, 0));
    map(&m, TEST_VA, frame, F_V | F_X | F_U | F_A, 0); // execute-only: MXR is off
    CHECK(probe(&m, LD(A0, A1, 0), TEST_VA, TRAP_LOAD_PAGE_FAULT, 0));
    map(&m, TEST_VA, frame, F_V | F_W | F_U | F_A | F_D, 0); // W without R: reserved
    CHECK(probe(&m, SD(A2, A1, 0), TEST_VA, TRAP_STORE_PAGE_FAULT, 0));
    map_raw(&m, TEST_VA, pte_of(frame, F_DATA) | (1ull << 54), 0); // reserved bit
    CHECK(probe(&m, LD(A0, A1, 0), TEST_VA, TRAP_LOAD_PAGE_FAULT, 0));
    map_raw(&m, TEST_VA, pte_of(frame, F_DATA) | (1ull << 63), 0); // N (Svnapot): not here
    CHECK(probe(&m, LD(A0, A1, 0), TEST_VA, TRAP_LOAD_PAGE_FAULT, 0));
    map(&m, TEST_VA, frame, F_V, 0); // a pointer at level 0
    CHECK(probe(&m, LD(A0, A1, 0), TEST_VA, TRAP_LOAD_PAGE_FAULT, 0));
    // U, A or D in a pointer PTE: reserved bits, so a page fault.
    map(&m, TEST_VA, frame, F_DATA, 0);
    u64 pointer_slot = pte_slot(&m, TEST_VA, 1);
    u64 pointer = ram_read64(&m, pointer_slot);
    const u64 reserved_in_pointer[] = {F_U, F_A, F_D};
    for (u32 i = 0; i < ARRAY_COUNT(reserved_in_pointer); i++) {
        ram_write64(&m, pointer_slot, pointer | reserved_in_pointer[i]);
        CHECK(probe(&m, LD(A0, A1, 0), TEST_VA, TRAP_LOAD_PAGE_FAULT, 0));
    }
    ram_write64(&m, pointer_slot, pointer | (1ull << 5)); // G is allowed
    CHECK(probe(&m, LD(A0, A1, 0), TEST_VA, 0, 0x1234));
    ram_write64(&m, pointer_slot, pointer);
    map(&m, TEST_VA, frame, F_DATA, 0); // and finally a good one
    CHECK(probe(&m, LD(A0, A1, 0), TEST_VA, 0, 0x1234));
    CHECK(probe(&m, SD(A2, A1, 0), TEST_VA, 0, 0x77));
    CHECK(ram_read64(&m, frame) == 0x4242);
    machine_free(&m);
    return true;
}

static bool test_non_canonical(void) {
    struct machine m;
    machine_init(&m);
    // Bit 38 set with zero above: not canonical, even though VPN[2] would index fine.
    map(&m, 0x4000000000ull - PAGE_BYTES, alloc_frame(&m), F_DATA, 0);
    const u64 bad[] = {0x4000000000ull, 0x8000000000000000ull, 0x0000800000000000ull,
                       0xffffffbfffffffffull, DATA_VA | (1ull << 50)};
    for (u32 i = 0; i < ARRAY_COUNT(bad); i++) {
        CHECK(probe(&m, LD(A0, A1, 0), bad[i], TRAP_LOAD_PAGE_FAULT, 0));
        CHECK(probe(&m, SB(A2, A1, 0), bad[i], TRAP_STORE_PAGE_FAULT, 0));
    }
    CHECK(probe(&m, LD(A0, A1, 0), 0x4000000000ull - 8, 0, 0)); // top of the low half
    // Canonical high half (bits 63:38 all ones): walks, finds nothing mapped.
    CHECK(probe(&m, LD(A0, A1, 0), 0xffffffc000000000ull, TRAP_LOAD_PAGE_FAULT, 0));
    map(&m, 0xffffffc000000000ull, m.data_pa, F_DATA, 0);
    ram_write64(&m, m.data_pa, 0x55);
    CHECK(probe(&m, LD(A0, A1, 0), 0xffffffc000000000ull, 0, 0x55));
    // A jump to a non-canonical address faults on the fetch there.
    m.code_length_bytes = 0;
    emit(&m, JALR(RA, A1, 0));
    m.ctx = (struct user_context){.pc = CODE_VA};
    m.ctx.regs[A1] = 0x4000000000ull;
    CHECK_TRAP(&m, TRAP_INSTRUCTION_PAGE_FAULT, 0x4000000000ull);
    CHECK(last_result.trap.tval == 0x4000000000ull && m.ctx.regs[RA] == CODE_VA + 4);
    machine_free(&m);
    return true;
}

static bool test_fetch_faults(void) {
    struct machine m;
    machine_init(&m);
    u64 frame = alloc_frame(&m);
    u32 inst = ADDI(A0, A0, 1);
    memcpy(ram_at(&m, frame), &inst, 4);
    memcpy(ram_at(&m, frame + 4), &(u32){ECALL}, 4);
    struct {
        u64 flags;
        u64 cause;
    } cases[] = {
        {F_DATA, TRAP_INSTRUCTION_PAGE_FAULT},                        // no X
        {F_CODE & ~F_U, TRAP_INSTRUCTION_PAGE_FAULT},                 // supervisor
        {F_CODE & ~F_A, TRAP_INSTRUCTION_PAGE_FAULT},                 // A = 0
        {F_V | F_X | F_U | F_A, TRAP_ECALL_FROM_USER},                // execute-only is fine
        {F_V | F_W | F_X | F_U | F_A | F_D, TRAP_INSTRUCTION_PAGE_FAULT}, // W without R
        {F_CODE, TRAP_ECALL_FROM_USER},
    };
    for (u32 i = 0; i < ARRAY_COUNT(cases); i++) {
        map(&m, TEST_VA, frame, cases[i].flags, 0);
        m.code_length_bytes = 0;
        emit(&m, JALR(RA, A1, 0));
        m.ctx = (struct user_context){.pc = CODE_VA};
        m.ctx.regs[A1] = TEST_VA;
        bool ok = cases[i].cause == TRAP_ECALL_FROM_USER;
        CHECK_TRAP(&m, cases[i].cause, ok ? TEST_VA + 4 : TEST_VA);
        CHECK(ok ? m.ctx.regs[A0] == 1 : last_result.trap.tval == TEST_VA);
        CHECK(m.ctx.regs[RA] == CODE_VA + 4); // the jump itself retired
    }
    // The kernel may also start a process on a page it cannot fetch.
    map(&m, TEST_VA, frame, F_DATA, 0);
    m.ctx = (struct user_context){.pc = TEST_VA + 4};
    CHECK_TRAP(&m, TRAP_INSTRUCTION_PAGE_FAULT, TEST_VA + 4);
    CHECK(last_result.trap.tval == TEST_VA + 4 && last_result.instructions_retired == 0);
    m.ctx.pc = TEST_VA + 1; // an odd pc can only come from the kernel
    CHECK_TRAP(&m, TRAP_INSTRUCTION_MISALIGNED, TEST_VA + 1);
    machine_free(&m);
    return true;
}

// A 32-bit instruction whose halves lie in two pages (frames far apart).
static bool test_cross_page_fetch(void) {
    struct machine m;
    machine_init(&m);
    u64 low = alloc_frame(&m);
    (void)alloc_frame(&m);
    u64 high = alloc_frame(&m);
    u32 inst = ADDI(A0, A0, 0x123);
    ram_at(&m, low)[PAGE_BYTES - 4] = 0x01; // c.nop at 0xffc
    ram_at(&m, low)[PAGE_BYTES - 3] = 0x00;
    memcpy(ram_at(&m, low) + PAGE_BYTES - 2, &inst, 2);
    memcpy(ram_at(&m, high), (u8 *)&inst + 2, 2);
    memcpy(ram_at(&m, high) + 2, &(u32){ECALL}, 4);
    map(&m, TEST_VA, low, F_CODE, 0);
    map(&m, TEST_VA + PAGE_BYTES, high, F_CODE, 0);
    m.ctx.pc = TEST_VA + PAGE_BYTES - 4;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, TEST_VA + PAGE_BYTES + 2);
    CHECK(m.ctx.regs[A0] == 0x123 && last_result.instructions_retired == 2);
    // Second half unmapped, then not executable: fault names the second page, pc the
    // instruction. A compressed instruction at the page end needs no second page.
    const u64 flags[] = {0, F_DATA};
    for (u32 i = 0; i < ARRAY_COUNT(flags); i++) {
        map_raw(&m, TEST_VA + PAGE_BYTES, flags[i] ? pte_of(high, flags[i]) : 0, 0);
        m.ctx = (struct user_context){.pc = TEST_VA + PAGE_BYTES - 4};
        CHECK_TRAP(&m, TRAP_INSTRUCTION_PAGE_FAULT, TEST_VA + PAGE_BYTES - 2);
        CHECK(last_result.trap.tval == TEST_VA + PAGE_BYTES && m.ctx.regs[A0] == 0);
        CHECK(last_result.instructions_retired == 1);
    }
    ram_at(&m, low)[PAGE_BYTES - 2] = 0x02; // c.ebreak = 0x9002
    ram_at(&m, low)[PAGE_BYTES - 1] = 0x90;
    m.ctx = (struct user_context){.pc = TEST_VA + PAGE_BYTES - 4};
    CHECK_TRAP(&m, TRAP_BREAKPOINT, TEST_VA + PAGE_BYTES - 2);
    machine_free(&m);
    return true;
}

static bool test_superpages(void) {
    struct machine m;
    machine_init(&m);
    const u64 mega_pa = RAM_BASE_PA + RAM_SIZE_BYTES - MEGAPAGE_BYTES; // 2 MiB aligned
    const u64 mega_va = 0x2000400000ull;
    map(&m, mega_va, mega_pa, F_DATA, 1);
    ram_write64(&m, mega_pa + 0x1ff000 + 0xff8, 0xfeed);
    CHECK(probe(&m, LD(A0, A1, 0), mega_va + 0x1ffff8, 0, 0xfeed));
    CHECK(probe(&m, SD(A2, A1, 0), mega_va + 0x12340, 0, 0x77));
    CHECK(ram_read64(&m, mega_pa + 0x12340) == 0x4242);
    CHECK(probe(&m, LD(A0, A1, 0), mega_va + MEGAPAGE_BYTES, TRAP_LOAD_PAGE_FAULT, 0));
    // Misaligned superpages (PPN[0] != 0; PPN[1..0] != 0) are page faults.
    map(&m, mega_va, mega_pa + PAGE_BYTES, F_DATA, 1);
    CHECK(probe(&m, LD(A0, A1, 0), mega_va + 8, TRAP_LOAD_PAGE_FAULT, 0));
    const u64 giga_va = 0x1000000000ull; // 1 GiB aligned
    map(&m, giga_va, RAM_BASE_PA, F_DATA, 2);
    ram_write64(&m, m.data_pa + 16, 0xabc);
    CHECK(probe(&m, LD(A0, A1, 0), giga_va + (m.data_pa - RAM_BASE_PA) + 16, 0, 0xabc));
    // Inside the gigapage but beyond RAM: an access fault, not a page fault.
    CHECK(probe(&m, LD(A0, A1, 0), giga_va + RAM_SIZE_BYTES, TRAP_LOAD_ACCESS_FAULT, 0));
    CHECK(probe(&m, SD(A2, A1, 0), giga_va + GIGAPAGE_BYTES - 8, TRAP_STORE_ACCESS_FAULT, 0));
    map(&m, giga_va, RAM_BASE_PA + MEGAPAGE_BYTES, F_DATA, 2);
    CHECK(probe(&m, LD(A0, A1, 0), giga_va, TRAP_LOAD_PAGE_FAULT, 0));
    // Code in a superpage.
    u32 code[] = {ADDI(A0, ZERO, 7), ECALL};
    memcpy(ram_at(&m, mega_pa + 0x5000), code, sizeof(code));
    map(&m, mega_va, mega_pa, F_ALL, 1);
    m.ctx = (struct user_context){.pc = mega_va + 0x5000};
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, mega_va + 0x5004);
    CHECK(m.ctx.regs[A0] == 7);
    machine_free(&m);
    return true;
}

// Page tables or pages outside the RAM range: access faults of the access's kind.
static bool test_access_faults(void) {
    struct machine m;
    machine_init(&m);
    const u64 outside_pa = RAM_BASE_PA + RAM_SIZE_BYTES;
    map(&m, TEST_VA, outside_pa, F_ALL, 0);
    CHECK(probe(&m, LD(A0, A1, 0), TEST_VA, TRAP_LOAD_ACCESS_FAULT, 0));
    CHECK(probe(&m, SD(A2, A1, 0), TEST_VA, TRAP_STORE_ACCESS_FAULT, 0));
    map(&m, TEST_VA, 0x1000, F_ALL, 0); // below RAM
    CHECK(probe(&m, LW(A0, A1, 0), TEST_VA + 4, TRAP_LOAD_ACCESS_FAULT, 0));
    // A pointer PTE to a table outside RAM.
    const u64 far_va = 0x3000000000ull;
    map_raw(&m, far_va, pte_of(outside_pa + 0x10000, F_V), 2);
    CHECK(probe(&m, LD(A0, A1, 0), far_va, TRAP_LOAD_ACCESS_FAULT, 0));
    CHECK(probe(&m, SD(A2, A1, 0), far_va, TRAP_STORE_ACCESS_FAULT, 0));
    m.code_length_bytes = 0;
    emit(&m, JALR(RA, A1, 0));
    m.ctx = (struct user_context){.pc = CODE_VA};
    m.ctx.regs[A1] = far_va + 0x40;
    CHECK_TRAP(&m, TRAP_INSTRUCTION_ACCESS_FAULT, far_va + 0x40);
    CHECK(last_result.trap.tval == far_va + 0x40);
    machine_free(&m);
    return true;
}

// ---- the translation cache must be exactly as correct as the walk -----------------

// The user maps the level-0 table behind a page and rewrites a PTE in it: the next
// access must see the new translation, within the same run. Orders: (0) cached first,
// then rewritten; (1) the table page first written as plain data, only later used as
// a table; (2) as 0, with 40 other tables walked in between (more than the cache
// tracks). The VAs differ in their low VPN bits, so no TLB slot is shared.
#define COHERENCE_TARGET_VA (TEST_VA + 3 * PAGE_BYTES)
#define COHERENCE_TABLE_VA 0x2000505000ull
#define COHERENCE_OTHERS_VA 0x2800000000ull
#define COHERENCE_OTHERS_COUNT 40u

static void coherence_program(struct machine *m, u32 order) {
    if (order == 1) {
        emit(m, SD(ZERO, A2, 8));   // table page cached as plain writable data
    }
    emit(m, LD(A0, A1, 0));         // caches the target -> frame_a
    if (order == 2) {
        emit(m, ADDI(T1, ZERO, COHERENCE_OTHERS_COUNT));
        emit(m, LUI(T2, 0x200));    // 2 MiB: a new level-0 table each time
        emit(m, LD(T0, S0, 0));
        emit(m, ADD(S0, S0, T2));
        emit(m, ADDI(T1, T1, -1));
        emit(m, BNE(T1, ZERO, -12));
    }
    emit(m, LD(T4, A2, 0));         // the table page cached for loads too
    emit(m, SD(A3, A2, 0));         // remaps the target to frame_b
    emit(m, LD(A4, A1, 0));         // must read frame_b
    emit(m, SD(ZERO, A2, 0));       // unmaps the target
    emit(m, LD(A5, A1, 0));         // must fault
}

static bool test_user_store_to_page_table(void) {
    for (u32 order = 0; order < 3; order++) {
        struct machine m;
        machine_init(&m);
        u64 frame_a = alloc_frame(&m), frame_b = alloc_frame(&m);
        ram_write64(&m, frame_a, 0xaaaa);
        ram_write64(&m, frame_b, 0xbbbb);
        map(&m, COHERENCE_TARGET_VA, frame_a, F_DATA, 0);
        u64 slot_pa = pte_slot(&m, COHERENCE_TARGET_VA, 0);
        map(&m, COHERENCE_TABLE_VA, slot_pa & ~(PAGE_BYTES - 1), F_DATA, 0);
        for (u32 i = 0; i < COHERENCE_OTHERS_COUNT; i++) {
            map(&m, COHERENCE_OTHERS_VA + i * MEGAPAGE_BYTES, m.data_pa, F_DATA, 0);
        }
        m.ctx.regs[A1] = COHERENCE_TARGET_VA;
        m.ctx.regs[A2] = COHERENCE_TABLE_VA + (slot_pa & (PAGE_BYTES - 1));
        m.ctx.regs[A3] = pte_of(frame_b, F_DATA);
        m.ctx.regs[S0] = COHERENCE_OTHERS_VA;
        coherence_program(&m, order);
        u64 fault_pc = CODE_VA + m.code_length_bytes - 4;
        CHECK_TRAP(&m, TRAP_LOAD_PAGE_FAULT, fault_pc);
        CHECK(m.ctx.regs[A0] == 0xaaaa && m.ctx.regs[A4] == 0xbbbb);
        CHECK(last_result.trap.tval == COHERENCE_TARGET_VA);
        machine_free(&m);
    }
    return true;
}

// The kernel changes a mapping between two runs: the second run must not use a
// translation cached by the first.
static bool test_kernel_remaps_between_runs(void) {
    struct machine m;
    machine_init(&m);
    u64 frame_a = alloc_frame(&m), frame_b = alloc_frame(&m);
    ram_write64(&m, frame_a, 1);
    ram_write64(&m, frame_b, 2);
    map(&m, TEST_VA, frame_a, F_DATA, 0);
    emit(&m, LD(A0, A1, 0));
    emit(&m, ECALL);
    m.ctx.regs[A1] = TEST_VA;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 4);
    CHECK(m.ctx.regs[A0] == 1);
    map(&m, TEST_VA, frame_b, F_DATA, 0);
    m.ctx.pc = CODE_VA;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 4);
    CHECK(m.ctx.regs[A0] == 2);
    map(&m, TEST_VA, frame_b, F_DATA & ~F_U, 0);
    m.ctx.pc = CODE_VA;
    CHECK_TRAP(&m, TRAP_LOAD_PAGE_FAULT, CODE_VA);
    // Code pages too: a different frame behind CODE_VA runs different code.
    u64 code_b = alloc_frame(&m);
    u32 other[] = {ADDI(A0, ZERO, 9), ECALL};
    memcpy(ram_at(&m, code_b), other, sizeof(other));
    map(&m, CODE_VA, code_b, F_CODE, 0);
    m.ctx.pc = CODE_VA;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 4);
    CHECK(m.ctx.regs[A0] == 9);
    machine_free(&m);
    return true;
}

// Touch more pages than the TLB has entries, through more page tables than it
// tracks, resuming after small budgets: the sums equal plain arithmetic.
#define MANY_PAGES_COUNT 200u
#define MANY_PAGES_VA 0x2400000000ull

static u64 many_pages_va(u64 i) { return MANY_PAGES_VA + (i / 4) * MEGAPAGE_BYTES + (i % 4) * PAGE_BYTES; }

static bool test_many_pages(void) {
    struct machine m;
    machine_init(&m);
    u64 frames[MANY_PAGES_COUNT];
    for (u32 i = 0; i < MANY_PAGES_COUNT; i++) { // every 4 pages a new level-0 table
        frames[i] = alloc_frame(&m);
        map(&m, many_pages_va(i), frames[i], F_DATA, 0);
    }
    // for (a1 = 0; a1 != a3; a1++) { t1 = va(a1); [t1 + 8] += a1; a0 += [t1 + 8]; }
    emit(&m, SRLI(T1, A1, 2));   // 0
    emit(&m, SLLI(T1, T1, 21));  // 4
    emit(&m, ANDI(T2, A1, 3));   // 8
    emit(&m, SLLI(T2, T2, 12));  // 12
    emit(&m, ADD(T1, T1, T2));   // 16
    emit(&m, ADD(T1, T1, S0));   // 20
    emit(&m, LD(T0, T1, 8));     // 24
    emit(&m, ADD(T0, T0, A1));   // 28
    emit(&m, SD(T0, T1, 8));     // 32
    emit(&m, ADD(A0, A0, T0));   // 36
    emit(&m, ADDI(A1, A1, 1));   // 40
    emit(&m, BNE(A1, A3, -44));  // 44
    emit(&m, ECALL);             // 48
    const u64 n = MANY_PAGES_COUNT;
    for (u32 pass = 1; pass <= 3; pass++) {
        m.ctx = (struct user_context){.pc = CODE_VA};
        m.ctx.regs[S0] = MANY_PAGES_VA;
        m.ctx.regs[A3] = n;
        u64 total = 0;
        struct rv64_result r;
        do { // pass 1: one run; later passes: slices of 7 and 13 instructions
            r = run(&m, pass == 1 ? BUDGET_LARGE : (pass == 2 ? 7 : 13));
            total += r.instructions_retired;
        } while (r.trap.cause == TRAP_TIMER_INTERRUPT);
        CHECK(r.trap.cause == TRAP_ECALL_FROM_USER && m.ctx.pc == CODE_VA + 48);
        CHECK(total == n * 12);
        CHECK(m.ctx.regs[A0] == pass * n * (n - 1) / 2);
    }
    for (u32 i = 0; i < MANY_PAGES_COUNT; i++) CHECK(ram_read64(&m, frames[i] + 8) == 3u * i);
    machine_free(&m);
    return true;
}

// ---- end to end: compiled C, compared with the host -------------------------------

#define E2E_STACK_TOP_VA 0x2000080000ull
#define E2E_STACK_PAGES_COUNT 8u

static void e2e_machine(struct machine *m, u64 seed, u64 rounds) {
    machine_init(m);
    emit_bytes(m, rv64_e2e_image, sizeof(rv64_e2e_image));
    assert(sizeof(rv64_e2e_image) <= PAGE_BYTES);
    map(m, CODE_VA, m->code_pa, F_ALL, 0); // the image has its small data inline
    for (u32 i = 1; i <= E2E_STACK_PAGES_COUNT; i++) {
        map(m, E2E_STACK_TOP_VA - i * PAGE_BYTES, alloc_frame(m), F_DATA, 0);
    }
    m->ctx = (struct user_context){.pc = RV64_E2E_LOAD_VA + RV64_E2E_ENTRY_OFFSET};
    m->ctx.regs[SP] = E2E_STACK_TOP_VA;
    m->ctx.regs[A0] = seed;
    m->ctx.regs[A1] = rounds;
}

static bool test_e2e_compiled_program(void) {
    const u64 seeds[] = {1, 42, 0x9e3779b97f4a7c15ull, 0xffffffffffffffffull, 123456789};
    for (u32 i = 0; i < ARRAY_COUNT(seeds); i++) {
        u32 rounds = 1 + i;
        u64 want = e2e_workload(seeds[i], rounds);
        struct machine m;
        e2e_machine(&m, seeds[i], rounds);
        CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, RV64_E2E_LOAD_VA + RV64_E2E_ENTRY_OFFSET + 12);
        u64 retired = last_result.instructions_retired;
        if (m.ctx.regs[A0] != want) {
            fprintf(stderr, "  seed %#llx: got %#llx want %#llx\n", (unsigned long long)seeds[i],
                    (unsigned long long)m.ctx.regs[A0], (unsigned long long)want);
        }
        CHECK(m.ctx.regs[A0] == want && m.ctx.regs[A7] == 93);
        CHECK(retired > 10000 * rounds);
        // The same run in slices of a seed-chosen size: same result, same state.
        struct machine s;
        e2e_machine(&s, seeds[i], rounds);
        u64 total = 0;
        struct rv64_result r;
        do {
            r = run(&s, 1 + (seeds[i] + total) % 997);
            total += r.instructions_retired;
        } while (r.trap.cause == TRAP_TIMER_INTERRUPT);
        CHECK(r.trap.cause == TRAP_ECALL_FROM_USER && s.ctx.regs[A0] == want);
        // A slice that ends between LR and SC makes the SC fail and the CAS loop
        // retry (the reservation does not survive a trap), so counts may only grow.
        CHECK(total >= retired && memcmp(&s.ctx, &m.ctx, sizeof(m.ctx)) == 0);
        CHECK(memcmp(s.ram, m.ram, RAM_SIZE_BYTES) == 0); // memory too, bit for bit
        machine_free(&s);
        machine_free(&m);
    }
    return true;
}

// ---- decoded code must never go stale ------------------------------------------------

#define INST_FENCE_I 0x0000100fu

// Store a new instruction over one that has run, FENCE.I, call it again: the new one runs.
static bool test_self_modifying_code(void) {
    struct machine m;
    machine_init(&m);
    map(&m, CODE_VA, m.code_pa, F_ALL, 0); // a writable code page
    emit(&m, JAL(RA, 24));        // 0: call L
    emit(&m, SW(T2, T0, 0));      // 4: L = addi a0, a0, 100
    emit(&m, INST_FENCE_I);       // 8
    emit(&m, JAL(RA, 12));        // 12: call L again
    emit(&m, ECALL);              // 16
    emit(&m, NOP);                // 20
    emit(&m, ADDI(A0, A0, 1));    // 24: L
    emit(&m, JALR(ZERO, RA, 0));  // 28
    m.ctx.regs[T0] = CODE_VA + 24;
    m.ctx.regs[T2] = ADDI(A0, A0, 100);
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 16);
    CHECK(m.ctx.regs[A0] == 101);
    CHECK(last_result.instructions_retired == 8);
    // And compressed code rewritten in place between two runs, halfword by halfword.
    m.ctx.pc = CODE_VA + 24;
    m.ctx.regs[RA] = CODE_VA + 16;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 16);
    CHECK(m.ctx.regs[A0] == 201);
    u16 c_li_a0_5 = 0x4515; // c.li a0, 5
    u16 c_jr_ra = 0x8082;   // c.jr ra
    memcpy(ram_at(&m, m.code_pa + 24), &c_li_a0_5, 2);
    memcpy(ram_at(&m, m.code_pa + 26), &c_jr_ra, 2);
    m.ctx.pc = CODE_VA + 24;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 16);
    CHECK(m.ctx.regs[A0] == 5);
    machine_free(&m);
    return true;
}

// A store rewriting the next instruction of its own block, with no FENCE.I: the
// rewritten one runs at once, as without the cache, in a loop whose block is already
// decoded and checked; and again through another mapping of the same frame.
static bool test_store_into_own_block(void) {
    for (u32 alias = 0; alias < 2; alias++) {
        struct machine m;
        machine_init(&m);
        map(&m, CODE_VA, m.code_pa, F_ALL, 0);
        u64 write_va = alias == 0 ? CODE_VA : TEST_VA;
        if (alias != 0) map(&m, TEST_VA, m.code_pa, F_DATA, 0);
        emit(&m, ADDI(A1, ZERO, 3));  // 0
        emit(&m, SW(T2, T0, 0));      // 4: loop, rewrites 8
        emit(&m, ADDI(A0, A0, 1));    // 8: then addi a0, a0, 100, then 1000
        emit(&m, ADD(T2, T2, T3));    // 12: the next rewrite's immediate: 900 more
        emit(&m, ADDI(A1, A1, -1));   // 16
        emit(&m, BNE(A1, ZERO, -16)); // 20
        emit(&m, ECALL);              // 24
        m.ctx.regs[T0] = write_va + 8;
        m.ctx.regs[T2] = ADDI(A0, A0, 100);
        m.ctx.regs[T3] = 900ull << 20; // the immediate's field
        CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 24);
        // 100, then 1000, then 1900: each time the word just stored.
        CHECK(m.ctx.regs[A0] == 100 + 1000 + 1900);
        CHECK(last_result.instructions_retired == 1 + 3 * 5);
        machine_free(&m);
    }
    return true;
}

// A program's frame freed and reused for another (as exec does), and another frame
// that shares the first one's cache page: each runs its own code, never the other's.
static bool test_frame_reused_by_another_program(void) {
    struct machine m;
    machine_init(&m);
    emit(&m, ADDI(A0, ZERO, 7));
    emit(&m, ADDI(A0, A0, 1));
    emit(&m, ECALL);
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 8);
    CHECK(m.ctx.regs[A0] == 8);
    m.code_length_bytes = 0; // the frame freed, then filled by the next program
    emit(&m, ADDI(A0, ZERO, 7)); // the same first instruction: the block differs mid-way
    emit(&m, SLLI(A0, A0, 2));
    emit(&m, ECALL);
    m.ctx.pc = CODE_VA;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 8);
    CHECK(m.ctx.regs[A0] == 28);
    CHECK(last_result.instructions_retired == 2);
    // RV64_DECODE_PAGES_COUNT frames later: the same page of the cache.
    u64 frame = 0;
    while (frame == 0 || ((frame - m.code_pa) / PAGE_BYTES) % RV64_DECODE_PAGES_COUNT != 0) {
        frame = alloc_frame(&m);
    }
    u32 other[] = {ADDI(A0, ZERO, 3), SUB(A0, ZERO, A0), ECALL};
    memcpy(ram_at(&m, frame), other, sizeof(other));
    map(&m, CODE_VA, frame, F_CODE, 0);
    m.ctx.pc = CODE_VA;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 8);
    CHECK(m.ctx.regs[A0] == (u64)-3);
    map(&m, CODE_VA, m.code_pa, F_CODE, 0); // and back: the second program again
    m.ctx.pc = CODE_VA;
    CHECK_TRAP(&m, TRAP_ECALL_FROM_USER, CODE_VA + 8);
    CHECK(m.ctx.regs[A0] == 28);
    machine_free(&m);
    return true;
}

// The encoders against riscv64-unknown-elf-as 2.40 (-march=rv64imac, .option norvc),
// whose output words are pasted here with the source line each came from.
static bool test_encoders_match_assembler(void) {
    const struct {
        u32 ours, assembler;
    } words[] = {
        {LUI(A0, 0xfffff), 0xfffff537u}, // lui a0, 0xfffff
        {AUIPC(T0, 0x12345), 0x12345297u}, // auipc t0, 0x12345
        {JAL(RA, -2048), 0x801ff0efu}, // jal ra, .-2048
        {JAL(ZERO, 0xffffe), 0x7ffff06fu}, // jal zero, .+0xffffe
        {JAL(A0, -1048576), 0x8000056fu}, // jal a0, .-1048576
        {JALR(RA, A0, -1), 0xfff500e7u}, // jalr ra, -1(a0)
        {BEQ(A0, A1, -4096), 0x80b50063u}, // beq a0, a1, .-4096
        {BNE(T0, T1, 4094), 0x7e629fe3u}, // bne t0, t1, .+4094
        {BLT(S0,S1,8), 0x00944463u}, // blt s0, s1, .+8
        {BGE(A2,A3,-8), 0xfed65ce3u}, // bge a2, a3, .-8
        {BLTU(A4,A5,2048), 0x00f760e3u}, // bltu a4, a5, .+2048
        {BGEU(T5,T6,-2), 0xffff7fe3u}, // bgeu t5, t6, .-2
        {LB(A0,SP,-2048), 0x80010503u}, // lb a0, -2048(sp)
        {LH(A1,A2,2047), 0x7ff61583u}, // lh a1, 2047(a2)
        {LW(T0,T1,4), 0x00432283u}, // lw t0, 4(t1)
        {LD(A0,A0,-8), 0xff853503u}, // ld a0, -8(a0)
        {LBU(A0,A1,1), 0x0015c503u}, // lbu a0, 1(a1)
        {LHU(A0,A1,2), 0x0025d503u}, // lhu a0, 2(a1)
        {LWU(A0,A1,3), 0x0035e503u}, // lwu a0, 3(a1)
        {SB(A0,SP,-2048), 0x80a10023u}, // sb a0, -2048(sp)
        {SH(A1,A2,2047), 0x7eb61fa3u}, // sh a1, 2047(a2)
        {SW(T0,T1,-1), 0xfe532fa3u}, // sw t0, -1(t1)
        {SD(A0,A1,8), 0x00a5b423u}, // sd a0, 8(a1)
        {ADDI(A0,A0,-1), 0xfff50513u}, // addi a0,a0,-1
        {SLTI(A0,A1,-5), 0xffb5a513u}, // slti a0,a1,-5
        {SLTIU(A0,A1,7), 0x0075b513u}, // sltiu a0,a1,7
        {XORI(A0,A1,-1), 0xfff5c513u}, // xori a0,a1,-1
        {ORI(A0,A1,0x7ff), 0x7ff5e513u}, // ori a0,a1,0x7ff
        {ANDI(A0,A1,-2048), 0x8005f513u}, // andi a0,a1,-2048
        {SLLI(A0,A1,63), 0x03f59513u}, // slli a0,a1,63
        {SRLI(A0,A1,33), 0x0215d513u}, // srli a0,a1,33
        {SRAI(A0,A1,63), 0x43f5d513u}, // srai a0,a1,63
        {ADDIW(A0,A1,-3), 0xffd5851bu}, // addiw a0,a1,-3
        {SLLIW(A0,A1,31), 0x01f5951bu}, // slliw a0,a1,31
        {SRLIW(A0,A1,5), 0x0055d51bu}, // srliw a0,a1,5
        {SRAIW(A0,A1,31), 0x41f5d51bu}, // sraiw a0,a1,31
        {ADD(A0,A1,A2), 0x00c58533u}, // add a0,a1,a2
        {SUB(A0,A1,A2), 0x40c58533u}, // sub a0,a1,a2
        {MUL(A0,A1,A2), 0x02c58533u}, // mul a0,a1,a2
        {ADDW(A0,A1,A2), 0x00c5853bu}, // addw a0,a1,a2
        {AMO(0x01,AMO_W,A0,A1,A2), 0x08c5a52fu}, // amoswap.w a0,a2,(a1)
        {AMO(0x1c,AMO_D,A0,A1,A2), 0xe0c5b52fu}, // amomaxu.d a0,a2,(a1)
        {LR(AMO_W,A0,A1), 0x1005a52fu}, // lr.w a0,(a1)
        {SC(AMO_D,A0,A1,A2), 0x18c5b52fu}, // sc.d a0,a2,(a1)
        {ECALL, 0x00000073u}, // ecall
        {EBREAK, 0x00100073u}, // ebreak
    };
    for (u32 i = 0; i < ARRAY_COUNT(words); i++) {
        if (words[i].ours != words[i].assembler) fprintf(stderr, "  entry %u\n", i);
        CHECK(words[i].ours == words[i].assembler);
    }
    return true;
}

static const struct {
    const char *name;
    bool (*run)(void);
} cases[] = {
    {"encoders_match_assembler", test_encoders_match_assembler},
    {"alu_register_ops", test_alu_register_ops},
    {"alu_immediate_ops", test_alu_immediate_ops},
    {"m_edge_cases", test_m_edge_cases},
    {"x0_stays_zero", test_x0_stays_zero},
    {"loads_every_width", test_loads_every_width},
    {"stores_every_width", test_stores_every_width},
    {"misaligned_across_pages", test_misaligned_across_pages},
    {"branches", test_branches},
    {"jumps", test_jumps},
    {"compressed_match_full", test_compressed_match_full},
    {"compressed_explicit", test_compressed_explicit},
    {"amo_ops", test_amo_ops},
    {"lr_sc", test_lr_sc},
    {"atomics_faults", test_atomics_faults},
    {"ecall_and_ebreak", test_ecall_and_ebreak},
    {"budget", test_budget},
    {"rdtime", test_rdtime},
    {"illegal_instructions", test_illegal_instructions},
    {"page_faults", test_page_faults},
    {"non_canonical", test_non_canonical},
    {"fetch_faults", test_fetch_faults},
    {"cross_page_fetch", test_cross_page_fetch},
    {"superpages", test_superpages},
    {"access_faults", test_access_faults},
    {"user_store_to_page_table", test_user_store_to_page_table},
    {"kernel_remaps_between_runs", test_kernel_remaps_between_runs},
    {"many_pages", test_many_pages},
    {"e2e_compiled_program", test_e2e_compiled_program},
    {"self_modifying_code", test_self_modifying_code},
    {"frame_reused_by_another_program", test_frame_reused_by_another_program},
    {"store_into_own_block", test_store_into_own_block},
};

int main(void) {
    u32 failed = 0;
    struct rv64_decode_cache *cache = rv64_decode_cache_create();
    assert(cache != NULL);
    for (u32 pass = 0; pass < 2; pass++) {
        test_cache = pass == 0 ? NULL : cache;
        const char *mode = pass == 0 ? "" : " (decode cache)";
        for (u32 i = 0; i < ARRAY_COUNT(cases); i++) {
            fail_text = NULL;
            bool ok = cases[i].run();
            if (ok) {
                printf("ok %s%s\n", cases[i].name, mode);
            } else {
                printf("not ok %s%s - line %u: %s\n", cases[i].name, mode, fail_line, fail_text);
                failed++;
            }
        }
    }
    rv64_decode_cache_destroy(cache);
    return failed == 0 ? 0 : 1;
}
