// The initial archive (cpio newc of the user programs), embedded in the image. The
// Makefile passes INITRD_PATH; platform_initrd() returns these bytes.
    .section .rodata.initrd, "a", @progbits
    .balign 16
    .globl hw_initrd_start
hw_initrd_start:
    .incbin INITRD_PATH
    .globl hw_initrd_end
hw_initrd_end:
