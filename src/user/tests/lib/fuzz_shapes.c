// The fuzzer's argument shapes with one right answer each (fuzz.h): names and paths
// at their length limits and one byte past them, ELF files written into the sandbox
// and spawned, report with hostile arguments, passwd without its old password. Also
// the helpers fuzz.c shares with them (unless_shared, the walk, reaping).
#include <stdio.h>
#include <string.h>

#include "user/tests/lib/fuzz.h"
#include "user/tests/lib/passwords.h"

#define SHAPE_WHAT_BYTES (FUZZ_PATH_BYTES + 64)
#define LONG_PATH_BYTES (ABI_PATH_LEN_MAX + 1) // the longest path drawn, and its NUL
#define ELF_NAME "elf"
#define COUNT_OF(array) ((u32)(sizeof(array) / sizeof((array)[0])))

bool fuzz_under(const char *path, const char *dir) {
    u64 length = strlen(dir);
    return strncmp(path, dir, length) == 0 && (path[length] == '\0' || path[length] == '/');
}

// Root changes /tmp/fz-root and /tmp/bait-root; xy its home, /tmp/bait-xy, and whatever
// of root's sandbox and bait root's modes let it change.
bool fuzz_shared_with_other(const struct fuzzer *f, const char *full) {
    if (!f->concurrent) return false;
    bool shared = fuzz_under(full, FUZZ_ROOT_SANDBOX) || fuzz_under(full, "/tmp/bait-root");
    if (f->root) shared = shared || fuzz_under(full, "/home/xy") || fuzz_under(full, "/tmp/bait-xy");
    return shared;
}

struct fuzz_prediction fuzz_unless_shared(const struct fuzzer *f, const char *full, struct fuzz_prediction prediction) {
    if (!fuzz_shared_with_other(f, full)) return prediction;
    return (struct fuzz_prediction){FUZZ_UNKNOWN, 0, "shared with the other fuzzer"};
}

void fuzz_reap(i64 pid) {
    if (pid <= 0) return;
    struct abi_wait_status status;
    (void)sys_wait(pid, &status, 0); // its end is not judged: a crafted program may fault
}

// ---- names and paths at their limits -------------------------------------------------
// A name of `length` bytes: 'L's, or ".." and 'L's (a name that starts with "..").
static void long_name(struct fuzzer *f, char *out, u32 length) {
    basin_assert(length >= 3);
    memset(out, 'L', length);
    if (fuzz_below(f, 2) == 0) memcpy(out, "..", 2);
    out[length] = '\0';
}

// One call on path (a single name: no rename): its result.
static i64 call_on(u32 call, const char *path, char *what, const char *shape) {
    static const char *const names[] = {"open(O_WRONLY|O_CREAT)", "mkdir", "stat", "unlink"};
    snprintf(what, SHAPE_WHAT_BYTES, "%s(%s)", names[call], shape);
    struct abi_stat st;
    switch (call) {
    case 0: {
        i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT, 0644);
        if (fd >= 0) (void)sys_close(fd); // judged below; its close is open's business
        return fd >= 0 ? 0 : fd;
    }
    case 1: return sys_mkdir(path, 0755);
    case 2: return sys_stat(path, &st);
    default: return sys_unlink(path);
    }
}

// The model walks the path as given (relative ones from the cwd), as the kernel does.
static struct fuzz_prediction predict_call(const struct fuzzer *f, u32 call, const char *path) {
    switch (call) {
    case 0: return fuzz_predict_open(&f->ids, path, ABI_O_WRONLY | ABI_O_CREAT);
    case 1: return fuzz_predict_mkdir(&f->ids, path);
    case 2: return fuzz_predict_stat(&f->ids, path, true);
    default: return fuzz_predict_remove(&f->ids, path, false);
    }
}

// A name of exactly ABI_NAME_LEN_MAX bytes is a name like any other; one more byte is
// E_NAMETOOLONG (Linux: when the directory holding it is reached).
static void long_name_call(struct fuzzer *f, bool over, u32 call) {
    char name[ABI_NAME_LEN_MAX + 2], path[FUZZ_PATH_BYTES], what[SHAPE_WHAT_BYTES];
    long_name(f, name, over ? ABI_NAME_LEN_MAX + 1 : ABI_NAME_LEN_MAX);
    snprintf(path, sizeof path, "%s/%s", f->sandbox, name);
    // The model's walk says E_NAMETOOLONG for a name one byte too long once its
    // directory is reached (Linux measures it there, after the search permission).
    struct fuzz_prediction prediction = fuzz_unless_shared(f, path, predict_call(f, call, path));
    i64 result = call_on(call, path, what, over ? "61-byte name" : "60-byte name");
    fuzz_judge(f, what, &prediction, result);
}

// A path of exactly ABI_PATH_LEN_MAX - 1 bytes reaching sandbox/name through "./"
// components (and one "//"), or one byte more: E_NAMETOOLONG before anything else.
static void long_path_call(struct fuzzer *f, bool over, u32 call) {
    static const char *const names[] = {"a", "d", "x", "..x"};
    const char *name = names[fuzz_below(f, 4)];
    u64 length = ABI_PATH_LEN_MAX - 1 + (over ? 1 : 0);
    u64 base = strlen(f->sandbox) + 1 + strlen(name);
    basin_assert(base < length);
    char path[LONG_PATH_BYTES], full[FUZZ_PATH_BYTES], what[SHAPE_WHAT_BYTES];
    u64 at = (u64)snprintf(path, sizeof path, "%s/", f->sandbox);
    for (u64 fill = length - base; fill > 0; fill -= fill >= 2 ? 2 : 1) {
        memcpy(path + at, fill >= 2 ? "./" : "/", fill >= 2 ? 2 : 1);
        at += fill >= 2 ? 2 : 1;
    }
    snprintf(path + at, sizeof path - at, "%s", name);
    basin_assert(strlen(path) == length);
    snprintf(full, sizeof full, "%s/%s", f->sandbox, name);
    struct fuzz_prediction prediction = {FUZZ_OTHER, -E_NAMETOOLONG, "a path one byte too long"};
    if (!over) prediction = fuzz_unless_shared(f, full, predict_call(f, call, path));
    i64 result = call_on(call, path, what, over ? "256-byte path" : "255-byte path");
    fuzz_judge(f, what, &prediction, result);
}

void fuzz_op_long_names(struct fuzzer *f) {
    bool over = fuzz_below(f, 2) == 0;
    u32 call = fuzz_below(f, 4);
    if (fuzz_below(f, 2) == 0) long_name_call(f, over, call);
    else long_path_call(f, over, call);
}

// ---- ELF files ------------------------------------------------------------------------
#define ELF_HEADER_BYTES 64u
#define ELF_PHDR_BYTES 56u
#define ELF_PHDRS_WRITTEN 2u
#define ELF_CODE_OFFSET (ELF_HEADER_BYTES + ELF_PHDRS_WRITTEN * ELF_PHDR_BYTES)
#define ELF_FILE_BYTES (ELF_CODE_OFFSET + 12u)
#define ELF_LOAD_VA (ABI_USER_VA_BASE + 0x10000ull)
#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

enum elf_shape {
    ELF_VALID,             // runs: exit(0)
    ELF_OVERLAP_SAME,      // two segments on one page, same permissions: runs
    ELF_MEMSZ_HUGE,        // memsz past the end of user space
    ELF_FILESZ_OVER_MEMSZ, // more file bytes than memory
    ELF_OVERLAP_WIDER,     // a second segment wants w on the first one's page
    ELF_PHNUM_HUGE,        // 65535 program headers (the table runs past the file)
    ELF_PHOFF_OUTSIDE,     // the header table past the end of the file
    ELF_ENTRY_NOT_CODE,    // the entry point in no executable segment
    ELF_BELOW_USER,        // a segment in the kernel's part of the address space
    ELF_OFFSET_OUTSIDE,    // a segment's file bytes past the end of the file
    ELF_MEMSZ_BIG,         // 512 MiB inside user space: runs, or E_NOMEM
    ELF_SHAPES_COUNT,
};

// Little-endian stores of the ELF files written here: the fuzzer's own, since user
// programs include no kernel header but abi.h (the kernel's are in kernel/lib/endian.h).
static void put16(u8 *at, u64 value) { for (u32 i = 0; i < 2; i++) at[i] = (u8)(value >> (8 * i)); }
static void put32(u8 *at, u64 value) { for (u32 i = 0; i < 4; i++) at[i] = (u8)(value >> (8 * i)); }
static void put64(u8 *at, u64 value) { for (u32 i = 0; i < 8; i++) at[i] = (u8)(value >> (8 * i)); }

static void elf_phdr(u8 *ph, u32 flags, u64 offset, u64 vaddr, u64 file_bytes, u64 memory_bytes) {
    put32(ph, 1); // PT_LOAD
    put32(ph + 4, flags);
    put64(ph + 8, offset);
    put64(ph + 16, vaddr);
    put64(ph + 24, vaddr);
    put64(ph + 32, file_bytes);
    put64(ph + 40, memory_bytes);
    put64(ph + 48, 0x1000);
}

// A RISC-V executable whose code is exit(0), bent into `shape`.
static void elf_build(u8 image[ELF_FILE_BYTES], enum elf_shape shape) {
    memset(image, 0, ELF_FILE_BYTES);
    memcpy(image, "\177ELF\2\1\1", 7);
    put16(image + 16, 2);   // ET_EXEC
    put16(image + 18, 243); // EM_RISCV
    put32(image + 20, 1);
    put64(image + 24, ELF_LOAD_VA + ELF_CODE_OFFSET);
    put64(image + 32, shape == ELF_PHOFF_OUTSIDE ? 0x100000 : ELF_HEADER_BYTES);
    put16(image + 52, ELF_HEADER_BYTES);
    put16(image + 54, ELF_PHDR_BYTES);
    put16(image + 56, shape == ELF_PHNUM_HUGE ? 0xffff : ELF_PHDRS_WRITTEN);
    u64 file_bytes = ELF_FILE_BYTES, memory_bytes = ELF_FILE_BYTES, va = ELF_LOAD_VA, offset = 0;
    if (shape == ELF_MEMSZ_HUGE) memory_bytes = 1ull << 40;
    if (shape == ELF_MEMSZ_BIG) memory_bytes = 512ull << 20;
    if (shape == ELF_FILESZ_OVER_MEMSZ) memory_bytes = 16;
    if (shape == ELF_BELOW_USER) va = 0x80200000ull;
    if (shape == ELF_OFFSET_OUTSIDE) offset = 0x100000;
    u32 flags = shape == ELF_ENTRY_NOT_CODE ? ELF_PF_R | ELF_PF_W : ELF_PF_R | ELF_PF_X;
    elf_phdr(image + ELF_HEADER_BYTES, flags, offset, va, file_bytes, memory_bytes);
    // The second header: nothing to load, or a second segment on the same page.
    u8 *second = image + ELF_HEADER_BYTES + ELF_PHDR_BYTES;
    if (shape == ELF_OVERLAP_SAME) elf_phdr(second, ELF_PF_R | ELF_PF_X, 0, ELF_LOAD_VA, 64, 64);
    if (shape == ELF_OVERLAP_WIDER) elf_phdr(second, ELF_PF_R | ELF_PF_W, 0, ELF_LOAD_VA, 64, 64);
    static const u32 code[] = {0x00000513, 0x00200893, 0x00000073}; // li a0, 0; li a7, 2 (exit); ecall
    for (u32 i = 0; i < 3; i++) put32(image + ELF_CODE_OFFSET + 4 * i, code[i]);
}

// The file written whole with mode 0755; false when the disk or the modes would not.
static bool elf_write(const char *path, const u8 *image) {
    i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, 0755);
    if (fd < 0) return false;
    i64 wrote = sys_write(fd, image, ELF_FILE_BYTES);
    i64 closed = sys_close(fd);
    return wrote == (i64)ELF_FILE_BYTES && closed == 0 && sys_chmod(path, 0755) == 0;
}

// The loader refuses what it cannot map as asked with E_NOEXEC; E_NOMEM is the
// machine's (tolerated by the judge); a valid program runs.
static struct fuzz_prediction elf_prediction(enum elf_shape shape) {
    if (shape == ELF_VALID || shape == ELF_OVERLAP_SAME || shape == ELF_MEMSZ_BIG) {
        return (struct fuzz_prediction){FUZZ_ALLOW, 0, "a valid program"};
    }
    return (struct fuzz_prediction){FUZZ_OTHER, -E_NOEXEC, "an ELF file the loader must refuse"};
}

void fuzz_op_elf(struct fuzzer *f) {
    static const char *const argv[] = {"fz-elf", NULL};
    static u8 image[ELF_FILE_BYTES];
    enum elf_shape shape = (enum elf_shape)fuzz_below(f, ELF_SHAPES_COUNT);
    char path[FUZZ_PATH_BYTES], what[SHAPE_WHAT_BYTES];
    snprintf(path, sizeof path, "%s/" ELF_NAME, f->sandbox);
    elf_build(image, shape);
    if (!elf_write(path, image)) return; // nothing to spawn: not judged
    struct fuzz_prediction prediction = fuzz_predict_spawn(&f->ids, path);
    if (prediction.verdict == FUZZ_ALLOW) prediction = elf_prediction(shape);
    prediction = fuzz_unless_shared(f, path, prediction);
    i64 pid = sys_spawn(path, argv, f->ids.euid);
    fuzz_reap(pid);
    snprintf(what, sizeof what, "spawn(ELF shape %u)", (u32)shape);
    fuzz_judge(f, what, &prediction, pid);
}

// ---- report --------------------------------------------------------------------------
// Hostile reports carry a failure: a kernel that took one would fail the simulator's
// run (workload_checks_pass). A valid one carries none.
void fuzz_op_report(struct fuzzer *f) {
    static const u64 bad_pointers[] = {0x10, 0x80200000ull, ABI_USER_VA_END - 8, ~0ull};
    static const u64 unknown_excuses[] = {ABI_REPORT_EXCUSES_ALL + 1, 0x80, 1ull << 32, ~0ull};
    char name[ABI_REPORT_NAME_LEN_MAX + 2];
    u32 roll = fuzz_below(f, 6);
    if (roll == 0) {
        const char *bad = (const char *)bad_pointers[fuzz_below(f, COUNT_OF(bad_pointers))];
        fuzz_expect(f, "report(bad pointer)", -E_FAULT, sys_report(bad, 1, 0));
    } else if (roll == 1) {
        memset(name, 'r', ABI_REPORT_NAME_LEN_MAX + 1);
        name[ABI_REPORT_NAME_LEN_MAX + 1] = '\0';
        fuzz_expect(f, "report(49-byte name)", -E_NAMETOOLONG, sys_report(name, 1, 0));
    } else if (roll == 2) {
        fuzz_expect(f, "report(empty name)", -E_INVAL, sys_report("", 1, 0));
    } else if (roll == 3) {
        fuzz_expect(f, "report(escape in the name)", -E_INVAL, sys_report("fuzz \x1b[2J", 1, 0));
    } else if (roll == 4) {
        u64 excuses = unknown_excuses[fuzz_below(f, COUNT_OF(unknown_excuses))];
        fuzz_expect(f, "report(unknown excuses)", -E_INVAL, sys_report("fuzz probe", 1, excuses));
    } else {
        memset(name, 'p', ABI_REPORT_NAME_LEN_MAX);
        name[ABI_REPORT_NAME_LEN_MAX] = '\0';
        u64 excuses = fuzz_below(f, ABI_REPORT_EXCUSES_ALL + 1);
        fuzz_expect(f, "report(48-byte name, no failure)", 0, sys_report(name, 0, excuses));
    }
}

// ---- passwd --------------------------------------------------------------------------
// Root needs no old password: it sets xy's and its own to the build's (what they are),
// so the other fuzzer's logins keep working. xy: its own needs the old one (none or a
// wrong one: E_ACCES), root's is E_PERM, a bad new one E_INVAL (checked first).
void fuzz_op_passwd(struct fuzzer *f) {
    u32 roll = fuzz_below(f, 6);
    if (f->root) {
        if (roll < 2) fuzz_expect(f, "passwd(xy, no old password)", 0, sys_passwd(ABI_UID_USER, NULL, TEST_PASSWORD_XY));
        else if (roll == 2) fuzz_expect(f, "passwd(root, no old password)", 0, sys_passwd(ABI_UID_ROOT, NULL, TEST_PASSWORD_ROOT));
        else if (roll == 3) fuzz_expect(f, "passwd(xy, no new password)", -E_INVAL, sys_passwd(ABI_UID_USER, NULL, NULL));
        else if (roll == 4) fuzz_expect(f, "passwd(xy, ':' in the new one)", -E_INVAL, sys_passwd(ABI_UID_USER, NULL, "a:b"));
        else fuzz_expect(f, "passwd(4242, no old password)", -E_INVAL, sys_passwd(4242, NULL, "x"));
        return;
    }
    u64 own = f->ids.ruid;
    if (roll == 0) fuzz_expect(f, "passwd(own, no old password)", -E_ACCES, sys_passwd(own, NULL, "owned"));
    else if (roll == 1) fuzz_expect(f, "passwd(root's, no old password)", -E_PERM, sys_passwd(ABI_UID_ROOT, NULL, "owned"));
    else if (roll == 2) fuzz_expect(f, "passwd(own, wrong old password)", -E_ACCES, sys_passwd(own, "wrong-password", "owned"));
    else if (roll == 3) fuzz_expect(f, "passwd(own, no new password)", -E_INVAL, sys_passwd(own, NULL, NULL));
    else if (roll == 4) fuzz_expect(f, "passwd(own, a line end in the new one)", -E_INVAL, sys_passwd(own, TEST_PASSWORD_XY, "a\nb"));
    else fuzz_expect(f, "passwd(own, bad pointer)", -E_FAULT, sys_passwd(own, (const char *)0x10, "owned"));
}
