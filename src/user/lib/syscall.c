// One stub per entry of ABI_SYSCALL_LIST, generated from the list itself so that the
// numbers here are the kernel's by construction. The psABI already passes the typed
// arguments of basin.h's prototypes in a0..a5 and takes the result from a0, so each
// stub only loads a7 and traps. Each stub gets its own section for --gc-sections.
#include "user/lib/basin.h"

#define BASIN_STUB(number, name, args)                                          \
    _Static_assert((args) <= 6, "syscalls take at most six arguments (a0..a5)"); \
    _Static_assert(BASIN_SYS_ARGS_##name == (args),                             \
                   "basin.h prototype of sys_" #name " disagrees with abi.h");  \
    __asm__(".section .text.sys_" #name ",\"ax\",@progbits\n"                   \
            ".globl sys_" #name "\n"                                            \
            ".type sys_" #name ", @function\n"                                  \
            "sys_" #name ":\n"                                                  \
            "    li a7, " #number "\n"                                          \
            "    ecall\n"                                                       \
            "    ret\n"                                                         \
            ".size sys_" #name ", . - sys_" #name "\n"                          \
            ".previous\n");

ABI_SYSCALL_LIST(BASIN_STUB)

#undef BASIN_STUB

// basin_syscall_raw(number, a0, a1, a2): the number arrives in a0 and moves to a7.
__asm__(".section .text.basin_syscall_raw,\"ax\",@progbits\n"
        ".globl basin_syscall_raw\n"
        ".type basin_syscall_raw, @function\n"
        "basin_syscall_raw:\n"
        "    mv a7, a0\n"
        "    mv a0, a1\n"
        "    mv a1, a2\n"
        "    mv a2, a3\n"
        "    ecall\n"
        "    ret\n"
        ".size basin_syscall_raw, . - basin_syscall_raw\n"
        ".previous\n");
