// The initial archive (cpio newc with the RISC-V user programs), embedded in
// basin-sim. The Makefile passes INITRD_PATH.
    .section .rodata
    .balign 8
    .global sim_initrd_start, sim_initrd_end
sim_initrd_start:
    .incbin INITRD_PATH
sim_initrd_end:
    .section .note.GNU-stack,"",@progbits
