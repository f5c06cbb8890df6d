// elf_check on crafted files: a good one, then the same file with one thing wrong each
// time (an odd entry, an entry outside every segment, in a segment without X, past a
// segment's file bytes, a bad header, a segment outside the file). Every bad file is
// -E_NOEXEC, the same error as any other. The programs in the initrd all pass.
#include <string.h>

#include "kernel/lib/cpio.h"
#include "kernel/proc/internal.h"
#include "tests/unit/unit.h"

extern const u8 sim_initrd_start[];
extern const u8 sim_initrd_end[];

#define IMAGE_BYTES 4096u
#define PHOFF 64u
#define TEXT_VA (ABI_USER_VA_BASE + 0x1000u)
#define TEXT_FILE_BYTES 0x100u
#define DATA_VA (ABI_USER_VA_BASE + 0x2000u)
#define PF_X 1u
#define PF_W 2u
#define PF_R 4u

static u8 image[IMAGE_BYTES];

static void put16(u32 at, u16 v) { for (u32 i = 0; i < 2; i++) image[at + i] = (u8)(v >> (8 * i)); }
static void put32(u32 at, u32 v) { for (u32 i = 0; i < 4; i++) image[at + i] = (u8)(v >> (8 * i)); }
static void put64(u32 at, u64 v) { for (u32 i = 0; i < 8; i++) image[at + i] = (u8)(v >> (8 * i)); }

static void put_segment(u32 index, u32 flags, u64 offset, u64 vaddr, u64 file_bytes, u64 memory_bytes) {
    u32 at = PHOFF + index * 56u;
    put32(at, 1); // PT_LOAD
    put32(at + 4, flags);
    put64(at + 8, offset);
    put64(at + 16, vaddr);
    put64(at + 24, vaddr);
    put64(at + 32, file_bytes);
    put64(at + 40, memory_bytes);
    put64(at + 48, 0x1000);
}

// Two segments: text (R+X, 0x100 file bytes at TEXT_VA) and data (R+W), entry given.
static void craft(u64 entry_va) {
    memset(image, 0, sizeof image);
    memcpy(image, "\177ELF", 4);
    image[4] = 2; // 64-bit
    image[5] = 1; // little-endian
    image[6] = 1; // version 1
    put16(16, 2);   // ET_EXEC
    put16(18, 243); // RISC-V
    put32(20, 1);
    put64(24, entry_va);
    put64(32, PHOFF);
    put16(52, 64);
    put16(54, 56);
    put16(56, 2);
    put_segment(0, PF_R | PF_X, 0x200, TEXT_VA, TEXT_FILE_BYTES, 0x800);
    put_segment(1, PF_R | PF_W, 0x300, DATA_VA, 0x100, 0x1000);
}

static i64 check_entry(u64 entry_va) {
    craft(entry_va);
    u64 entry = 0;
    return elf_check(image, sizeof image, &entry);
}

static void test_entry(void) {
    u64 entry = 0;
    craft(TEXT_VA + 0x10);
    UNIT_CHECK("a good file passes", elf_check(image, sizeof image, &entry) == 0);
    UNIT_CHECK("its entry is returned", entry == TEXT_VA + 0x10);
    UNIT_CHECK("an entry at 2 mod 4 passes (compressed code)", check_entry(TEXT_VA + 0x12) == 0);
    UNIT_CHECK("the segment's first byte passes", check_entry(TEXT_VA) == 0);
    UNIT_CHECK("an odd entry is refused", check_entry(TEXT_VA + 0x11) == -E_NOEXEC);
    UNIT_CHECK("an odd entry at the segment start is refused", check_entry(TEXT_VA + 1) == -E_NOEXEC);
    UNIT_CHECK("an entry before every segment is refused", check_entry(TEXT_VA - 2) == -E_NOEXEC);
    UNIT_CHECK("an entry in the data segment (no X) is refused", check_entry(DATA_VA + 0x10) == -E_NOEXEC);
    UNIT_CHECK("an entry past the text's file bytes is refused",
               check_entry(TEXT_VA + TEXT_FILE_BYTES) == -E_NOEXEC);
    UNIT_CHECK("an entry at 0 is refused", check_entry(0) == -E_NOEXEC);
    UNIT_CHECK("an entry far away is refused", check_entry(UINT64_MAX - 1) == -E_NOEXEC);
}

static void test_other_faults(void) {
    u64 entry = 0;
    craft(TEXT_VA);
    image[0] = 0;
    UNIT_CHECK("a bad magic is the same error", elf_check(image, sizeof image, &entry) == -E_NOEXEC);
    craft(TEXT_VA);
    put_segment(1, PF_R | PF_W, IMAGE_BYTES - 0x10, DATA_VA, 0x100, 0x1000);
    UNIT_CHECK("a segment past the file's end is the same error",
               elf_check(image, sizeof image, &entry) == -E_NOEXEC);
    craft(TEXT_VA);
    put_segment(0, PF_R | PF_X, 0x200, TEXT_VA, TEXT_FILE_BYTES, 0);
    UNIT_CHECK("an entry in an X segment with no memory is refused",
               elf_check(image, sizeof image, &entry) == -E_NOEXEC);
    UNIT_CHECK("a file too short for a header is the same error", elf_check(image, 10, &entry) == -E_NOEXEC);
}

// Every program of the archive both targets run passes.
static void test_initrd_programs(void) {
    const u8 *archive = sim_initrd_start;
    u64 archive_bytes = (u64)(sim_initrd_end - sim_initrd_start);
    u64 offset = 0;
    u32 programs = 0, passed = 0;
    struct cpio_entry e;
    while (cpio_next(archive, archive_bytes, &offset, &e) == 0) {
        if (strncmp(e.name, "bin/", 4) != 0 || e.file.size_bytes == 0) continue;
        u64 entry = 0;
        programs++;
        if (elf_check(e.file.data, e.file.size_bytes, &entry) == 0 && entry % 2 == 0) passed++;
        else printf("# %s refused\n", e.name);
    }
    UNIT_CHECK("the initrd has programs", programs >= 10);
    UNIT_CHECK("every program of the initrd passes elf_check", passed == programs);
}

int main(void) {
    test_entry();
    test_other_faults();
    test_initrd_programs();
    UNIT_EXIT();
}
