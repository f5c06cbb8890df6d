# The floor for the boot benchmark: an empty S-mode kernel that asks OpenSBI to power
# off at once (SBI SRST, then the legacy shutdown call if SRST is missing).
    .section .text
    .global _start
_start:
    li a7, 0x53525354   # SRST extension
    li a6, 0            # system_reset
    li a0, 0            # type: shutdown
    li a1, 0            # reason: none
    ecall
    li a7, 8            # legacy sbi_shutdown
    ecall
1:  wfi
    j 1b
