// S-mode entry from OpenSBI (or U-Boot's booti): a0 = hart id, a1 = device tree.
// Only this hart runs: with -kernel OpenSBI starts no other hart for us, and we
// never ask HSM to start one.
#define BOOT_STACK_BYTES 65536

    .option norelax
    .section .text.entry, "ax"
    .globl _start
_start:
    csrw sie, zero
    csrci sstatus, 2 // SIE
    lla sp, hw_boot_stack_top
    lla t0, __bss_start
    lla t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call hw_main // a0, a1 untouched above
3:  wfi
    j 3b

    .section .bss.boot_stack, "aw", @nobits
    .balign 16
    .space BOOT_STACK_BYTES
    .globl hw_boot_stack_top
hw_boot_stack_top:
