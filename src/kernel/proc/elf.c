#include "kernel/proc/internal.h"

#include "kernel/proc/frames.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/mem.h"
#include "kernel/proc/vm.h"

#define ELF_HEADER_SIZE_BYTES 64
#define ELF_PHDR_SIZE_BYTES 56
#define ELF_PHDRS_MAX 16
#define ELF_MACHINE_RISCV 243
#define ELF_TYPE_EXEC 2
#define ELF_PT_LOAD 1
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4
#define ELF_ENTRY_ALIGN_BYTES 2 // the C extension: instructions start at even addresses

struct elf_segment {
    u32 type;
    u32 flags;
    u64 offset;
    u64 vaddr;
    u64 file_size;
    u64 memory_size;
};


static bool elf_header_ok(const u8 *image, u64 size_bytes) {
    if (size_bytes < ELF_HEADER_SIZE_BYTES) return false;
    if (!mem_equal(image, "\177ELF", 4)) return false;
    if (image[4] != 2 || image[5] != 1 || image[6] != 1) return false; // 64-bit, LE, v1
    if (load_u16_le(image + 16) != ELF_TYPE_EXEC || load_u16_le(image + 18) != ELF_MACHINE_RISCV) return false;
    u64 phoff = load_u64_le(image + 32);
    u16 phentsize = load_u16_le(image + 54);
    u16 phnum = load_u16_le(image + 56);
    if (phentsize != ELF_PHDR_SIZE_BYTES || phnum == 0 || phnum > ELF_PHDRS_MAX) return false;
    return phoff < size_bytes && (u64)phnum * ELF_PHDR_SIZE_BYTES <= size_bytes - phoff;
}

static struct elf_segment elf_segment_at(const u8 *image, u32 index) {
    const u8 *ph = image + load_u64_le(image + 32) + (u64)index * ELF_PHDR_SIZE_BYTES;
    return (struct elf_segment){
        .type = load_u32_le(ph), .flags = load_u32_le(ph + 4), .offset = load_u64_le(ph + 8),
        .vaddr = load_u64_le(ph + 16), .file_size = load_u64_le(ph + 32),
        .memory_size = load_u64_le(ph + 40),
    };
}

static bool elf_segment_ok(const struct elf_segment *s, u64 image_size_bytes) {
    if (s->file_size > s->memory_size) return false;
    if (s->offset > image_size_bytes || s->file_size > image_size_bytes - s->offset) return false;
    // Stay below the stack region so the two never overlap.
    u64 limit = ABI_USER_STACK_TOP_VA - ABI_USER_STACK_PAGES * PAGE_SIZE_BYTES;
    return s->vaddr >= ABI_USER_VA_BASE && s->vaddr < limit && s->memory_size <= limit - s->vaddr;
}

static u64 elf_pte_flags(u32 flags) {
    u64 pte = PTE_U | PTE_A | PTE_D;
    if (flags & ELF_PF_R) pte |= PTE_R;
    if (flags & ELF_PF_W) pte |= PTE_W | PTE_R; // W without R is reserved in Sv39
    if (flags & ELF_PF_X) pte |= PTE_X;
    return pte;
}

// Maps the pages of one segment and copies its file bytes. A page shared with an
// earlier segment keeps its frame, and must already allow what this one needs.
static i64 elf_load_segment(struct kernel *k, struct proc *proc_, u8 owner, const u8 *image,
                            const struct elf_segment *s) {
    u64 first_va = s->vaddr & ~(PAGE_SIZE_BYTES - 1);
    u64 end_va = s->vaddr + s->memory_size;
    for (u64 page_va = first_va; page_va < end_va; page_va += PAGE_SIZE_BYTES) {
        u64 pte = vm_lookup(k, proc_->root_table_pa, page_va);
        u64 pa;
        if (pte != 0) {
            pa = pte_pa(pte);
            if (elf_pte_flags(s->flags) & ~pte & (PTE_R | PTE_W | PTE_X)) return -E_NOEXEC;
        } else {
            pa = frame_alloc(k, owner);
            if (pa == 0) return -E_NOMEM;
            proc_->frames_owned++;
            i64 mapped = vm_map_page(k, proc_->root_table_pa, page_va, pa, elf_pte_flags(s->flags), owner,
                                       &proc_->frames_owned);
            if (mapped < 0) { frame_free(k, pa, owner); proc_->frames_owned--; return mapped; }
        }
        // The part of [vaddr, vaddr + file_size) that falls in this page.
        u64 copy_from = page_va > s->vaddr ? page_va : s->vaddr;
        u64 file_end = s->vaddr + s->file_size;
        u64 copy_to = page_va + PAGE_SIZE_BYTES < file_end ? page_va + PAGE_SIZE_BYTES : file_end;
        if (copy_from < copy_to) {
            u8 *page = platform_pa_to_ptr(k->platform, pa);
            mem_copy(page + (copy_from - page_va), image + s->offset + (copy_from - s->vaddr),
                     copy_to - copy_from);
        }
    }
    return 0;
}

// The entry point must be the start of an instruction in code the file provides:
// 2-byte aligned, because with the C extension (RV64IMAC, what the programs are built
// for) instructions are 2 or 4 bytes long and start at any even address, so 4-byte
// alignment would refuse valid programs; an odd pc is never an instruction (the
// hardware would fault with an instruction-address-misaligned trap at the first
// fetch). And inside the file bytes of an executable PT_LOAD segment: anywhere else is
// data, zero fill or nothing at all.
static bool elf_entry_ok(const u8 *image, u64 entry_va) {
    assert(image != NULL);
    if (entry_va % ELF_ENTRY_ALIGN_BYTES != 0) return false;
    u16 phnum = load_u16_le(image + 56);
    for (u32 i = 0; i < phnum; i++) {
        struct elf_segment s = elf_segment_at(image, i);
        if (s.type != ELF_PT_LOAD || (s.flags & ELF_PF_X) == 0 || s.memory_size == 0) continue;
        if (entry_va >= s.vaddr && entry_va - s.vaddr < s.file_size) return true;
    }
    return false;
}

i64 elf_check(const u8 *image, u64 image_size_bytes, u64 *entry_va) {
    assert(entry_va != NULL);
    if (image_size_bytes != 0) assert(image != NULL);
    if (!elf_header_ok(image, image_size_bytes)) return -E_NOEXEC;
    u16 phnum = load_u16_le(image + 56);
    for (u32 i = 0; i < phnum; i++) {
        struct elf_segment s = elf_segment_at(image, i);
        if (s.type != ELF_PT_LOAD || s.memory_size == 0) continue;
        if ((s.flags & (ELF_PF_R | ELF_PF_W | ELF_PF_X)) == 0) continue;
        if (!elf_segment_ok(&s, image_size_bytes)) return -E_NOEXEC;
    }
    *entry_va = load_u64_le(image + 24);
    if (!elf_entry_ok(image, *entry_va)) return -E_NOEXEC;
    return 0;
}

i64 elf_load(struct kernel *k, struct proc *proc_, u8 owner, const u8 *image,
             u64 image_size_bytes, u64 *entry_va) {
    assert(proc_ != NULL);
    assert(entry_va != NULL);
    assert(proc_->root_table_pa != 0);
    // Everything about the file is checked before the first frame is taken.
    i64 checked = elf_check(image, image_size_bytes, entry_va);
    if (checked < 0) return checked;
    u16 phnum = load_u16_le(image + 56);
    u32 loaded = 0;
    for (u32 i = 0; i < phnum; i++) {
        struct elf_segment s = elf_segment_at(image, i);
        // A segment with no R, W or X would be an invalid Sv39 leaf: nothing to map.
        if (s.type != ELF_PT_LOAD || s.memory_size == 0) continue;
        if ((s.flags & (ELF_PF_R | ELF_PF_W | ELF_PF_X)) == 0) continue;
        i64 result = elf_load_segment(k, proc_, owner, image, &s);
        if (result < 0) return result;
        loaded++;
    }
    // The entry must be in an executable page we just mapped.
    u64 entry_pte = vm_lookup(k, proc_->root_table_pa, *entry_va & ~(PAGE_SIZE_BYTES - 1));
    if (loaded == 0 || entry_pte == 0 || (entry_pte & PTE_X) == 0) return -E_NOEXEC;
    return 0;
}
