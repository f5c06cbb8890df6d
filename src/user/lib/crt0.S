// Program entry. The kernel starts every program with sp = top of its stack,
// a0 = argc, a1 = argv (NULL-terminated pointer array on the stack), a2 = 0.
// main's return value becomes the exit code.
    .section .text.start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    // tp: the single thread's TLS block (picolibc's errno), see user.ld. Not relaxed:
    // there is no gp to relax against.
    .option push
    .option norelax
    lla tp, __tls_base
    .option pop
    li s0, 0           // no caller frame: ends backtraces here
    andi sp, sp, -16   // the psABI wants 16-byte stack alignment at calls
    call main
    call basin_exit    // a0 = main's return; does not return
1:  j 1b
    .size _start, . - _start
