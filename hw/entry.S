// S-mode entry from OpenSBI or U-Boot's booti: a0 = hart id, a1 = device tree.
//
// The image starts with the Linux RISC-V Image header (Linux's
// Documentation/arch/riscv/boot-image-header.rst, version 0.2), so U-Boot's booti
// and extlinux accept it and copy it to RAM base + text_offset: 0x40200000 on the
// JH7110, 0x80200000 on QEMU virt. No board address is compiled in: the kernel is
// linked at 0 as a static PIE (hw/kernel.ld) and first applies its own
// R_RISCV_RELATIVE relocations for wherever it was put. Until that loop is done
// no absolute pointer (a GOT entry, a pointer in a table) may be used, which is
// why it is written here, before any C.
//
// Only one hart runs the kernel, and only one ever enters here: the boot argument
// hw.boot_hart=N moves the kernel to hart N through hw_entry_handover, which
// skips the relocation (a second pass would add the load address twice).
#define BOOT_STACK_BYTES 65536
#define IMAGE_TEXT_OFFSET 0x200000 // RAM base + 2 MiB, as Linux asks of loaders
#define IMAGE_FLAGS_LE 0
#define IMAGE_VERSION_0_2 ((0 << 16) | 2)
#define IMAGE_MAGIC 0x5643534952         // "RISCV", deprecated but still written
#define IMAGE_MAGIC2 0x05435352          // "RSC\x05", what U-Boot checks
#define RELA_ENTRY_BYTES 24
#define R_RISCV_RELATIVE 3
#define SBI_EXT_HSM 0x48534d
#define SBI_HSM_HART_START 0
#define SBI_HSM_HART_STOP 1

    .option norelax
    .section .text.entry, "ax"
    .globl _start
_start:
    // code0/code1 must be exactly 8 bytes: no compressed encodings in the header.
    .option push
    .option norvc
    j hw_entry          // code0
    nop                 // code1
    .option pop
    .dword IMAGE_TEXT_OFFSET
    .dword __image_size // the image with its bss: what a loader must leave free
    .dword IMAGE_FLAGS_LE
    .word IMAGE_VERSION_0_2
    .word 0             // res1
    .dword 0            // res2
    .dword IMAGE_MAGIC
    .word IMAGE_MAGIC2
    .word 0             // res3 (PE/COFF offset: none)

hw_entry:
    csrw sie, zero
    csrci sstatus, 2 // SIE
    // a0, a1 stay untouched for hw_main. a2 = where we run (the image is linked at
    // 0, so this is also the relocation delta), a3 = relocations applied, a4 =
    // entries of another type (the build refuses those; hw_main panics on them).
    lla a2, __kernel_start
    li a3, 0
    li a4, 0
    lla t0, __rela_dyn_start
    lla t1, __rela_dyn_end
    li t5, R_RISCV_RELATIVE
1:  bgeu t0, t1, 4f
    ld t2, 0(t0)  // r_offset
    ld t3, 8(t0)  // r_info
    ld t4, 16(t0) // r_addend
    bne t3, t5, 2f
    add t2, t2, a2
    add t4, t4, a2
    sd t4, 0(t2)
    addi a3, a3, 1
    j 3f
2:  addi a4, a4, 1
3:  addi t0, t0, RELA_ENTRY_BYTES
    j 1b
4:  lla t0, hw_image_relocations // kept in .data: the bss is zeroed below
    sd a3, 0(t0)
hw_entry_common:
    fence.i // the loop may have written words that code reads next
    lla sp, hw_boot_stack_top
    lla t0, __bss_start
    lla t1, __bss_end
5:  bgeu t0, t1, 6f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 5b
6:  call hw_main // hw_main(hart, dtb, load_pa, relocations, foreign_relocations)
7:  wfi
    j 7b

// A second start on another hart (hw.boot_hart=N, boot_hw.c): SBI HSM hart_start
// enters here with a0 = hart id and a1 = its opaque argument, the device tree.
// The image is already relocated, so only the bss and the stack start afresh.
hw_entry_handover:
    csrw sie, zero
    csrci sstatus, 2 // SIE
    lla a2, __kernel_start
    lla t0, hw_image_relocations
    ld a3, 0(t0)
    li a4, 0
    j hw_entry_common

// i64 hw_handover(u64 hart_id, u64 dtb_pa): starts hart hart_id at
// hw_entry_handover and stops this one. Returns the SBI error only when the
// firmware refuses the start. After a successful start the other hart zeroes the
// bss, this hart's stack with it, so from there on only registers are used.
    .globl hw_handover
hw_handover:
    mv a2, a1 // opaque: the device tree
    lla a1, hw_entry_handover
    li a6, SBI_HSM_HART_START
    li a7, SBI_EXT_HSM
    ecall
    bnez a0, 2f
    li a6, SBI_HSM_HART_STOP
    li a7, SBI_EXT_HSM
    ecall // does not return when it succeeds
1:  wfi  // it failed: park here, the other hart runs the kernel
    j 1b
2:  ret

    .section .data
    .balign 8
hw_image_relocations:
    .dword 0

    .section .bss.boot_stack, "aw", @nobits
    .balign 16
    .space BOOT_STACK_BYTES
    .globl hw_boot_stack_top
hw_boot_stack_top:
