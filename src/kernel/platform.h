// The machine boundary: everything the portable kernel asks of a machine.
// Implemented twice and chosen at link time: hw/platform_hw.c (RISC-V, S-mode under
// OpenSBI) and src/sim/machine/platform_sim.c (the seeded simulator). Every function takes
// the node's platform first, because the simulator runs several nodes in one process.
// Machine services only: what the simulator observes (trace events, filesystem changes,
// planted-bug sites) goes through observe.h, which hardware compiles away.
#pragma once

#include "kernel/lib/types.h"

struct platform; // each implementation defines it

// ---- user execution -------------------------------------------------------
// The saved user registers of one process. regs[0] is x0 and stays zero.
// The hardware trap vector and the simulator's interpreter fill the same layout.
struct user_context {
    u64 regs[32];
    u64 pc;
};
#define USER_CONTEXT_PC_OFFSET (32 * 8)

// Trap causes, RISC-V scause encoding (interrupt bit 63).
#define TRAP_INSTRUCTION_MISALIGNED 0ull
#define TRAP_INSTRUCTION_ACCESS_FAULT 1ull
#define TRAP_ILLEGAL_INSTRUCTION 2ull
#define TRAP_BREAKPOINT 3ull
#define TRAP_LOAD_MISALIGNED 4ull
#define TRAP_LOAD_ACCESS_FAULT 5ull
#define TRAP_STORE_MISALIGNED 6ull
#define TRAP_STORE_ACCESS_FAULT 7ull
#define TRAP_ECALL_FROM_USER 8ull
#define TRAP_INSTRUCTION_PAGE_FAULT 12ull
#define TRAP_LOAD_PAGE_FAULT 13ull
#define TRAP_STORE_PAGE_FAULT 15ull
#define TRAP_INTERRUPT_BIT (1ull << 63)
#define TRAP_TIMER_INTERRUPT (TRAP_INTERRUPT_BIT | 5ull)
#define TRAP_EXTERNAL_INTERRUPT (TRAP_INTERRUPT_BIT | 9ull)

struct platform_trap {
    u64 cause; // TRAP_*
    u64 tval;  // faulting address or instruction bits, as stval
};

// Run the user context under the Sv39 root `satp` until it traps, or until the
// monotonic clock reaches slice_deadline_ns (then cause = TRAP_TIMER_INTERRUPT).
// On return ctx holds the registers at the trap; for an ecall, pc is the ecall.
// Hardware: sret to U-mode. Simulator: the RV64 interpreter.
struct platform_trap platform_user_run(struct platform *p, struct user_context *ctx,
                                       u64 satp, u64 slice_deadline_ns);

// ---- memory ----------------------------------------------------------------
// The RAM the kernel may hand out as page frames (4 KiB aligned, after the kernel
// image, the device tree and the initrd on hardware).
void platform_ram_usable(struct platform *p, u64 *base_pa, u64 *size_bytes);
// Physical address <-> kernel pointer (identity on hardware).
void *platform_pa_to_ptr(struct platform *p, u64 pa);

// Physical ranges every address space maps for the kernel, supervisor-only
// (RAM and device registers on hardware; RAM in the simulator). Gigapage granular.
struct platform_region {
    u64 base_pa;
    u64 size_bytes;
};
#define PLATFORM_REGIONS_MAX 8
u32 platform_kernel_regions(struct platform *p, struct platform_region *regions,
                            u32 regions_capacity);

// ---- console ---------------------------------------------------------------
void platform_console_write(struct platform *p, const u8 *bytes, u64 count);
u64 platform_console_read(struct platform *p, u8 *bytes, u64 capacity);

// ---- clocks and timer ------------------------------------------------------
u64 platform_monotonic_ns(struct platform *p); // never decreases
u64 platform_realtime_ns(struct platform *p);  // Unix epoch ns; may jump
// Wait until the monotonic clock reaches deadline_ns or an interrupt arrives.
// The simulator returns at once and advances the node's time instead.
void platform_idle_until(struct platform *p, u64 deadline_ns);

// ---- block device ----------------------------------------------------------
// 512-byte sectors, synchronous from the kernel's view. A write is durable only
// after a flush that returned 0; a failed write or flush means that data must never
// be trusted again (no retried fsync). Errors: -E_IO (read/write/flush failed),
// -E_INVAL (range outside the device), -E_NODEV (no disk).
#define BLOCK_SECTOR_SIZE_BYTES 512
u64 platform_block_sector_count(struct platform *p); // 0 when there is no disk
i64 platform_block_read(struct platform *p, u64 sector, u8 *bytes, u32 sector_count);
i64 platform_block_write(struct platform *p, u64 sector, const u8 *bytes, u32 sector_count);
i64 platform_block_flush(struct platform *p);

// ---- network (issue 14) -----------------------------------------------------
// Datagrams between the nodes of one cluster, addressed by node id (0..NET_NODES_MAX-1;
// membership is static: boot arguments replica.node= and replica.nodes=). Unreliable
// and unordered: a datagram may be lost, duplicated, delayed or reordered, never
// altered (the replica wire format's checksum guards the bytes on hardware too, where
// a frame damaged on the way is dropped by the receiver). Both ends are non-blocking.
// Simulator: the seeded network of src/sim/machine/network.c (latency, the net_* fault
// kinds, partitions). Hardware: virtio-net (hw/virtio_net.c), every datagram sent as
// one Ethernet broadcast frame of NET_ETHERTYPE; the receiver filters on the wire
// header's destination.
#define NET_NODES_MAX 8u
#define NET_DATAGRAM_BYTES_MAX 1400u // payload of one datagram (fits one Ethernet frame)
#define NET_ETHERTYPE 0x88b5u        // IEEE 802 "local experimental" EtherType 1
// True when this machine has a network device.
bool platform_net_present(struct platform *p);
// 0: handed to the network (which may still lose it); -E_NODEV no network device;
// -E_INVAL length 0 or above NET_DATAGRAM_BYTES_MAX, or to_node >= NET_NODES_MAX;
// -E_AGAIN the device's send queue is full (the datagram is not sent; try later).
i64 platform_net_send(struct platform *p, u32 to_node, const u8 *bytes, u32 length);
// The length of one received datagram copied into bytes (at most capacity, which must
// be NET_DATAGRAM_BYTES_MAX; a longer frame is dropped), 0 when none is waiting,
// -E_NODEV without a network device.
i64 platform_net_receive(struct platform *p, u8 *bytes, u32 capacity);

// ---- power -----------------------------------------------------------------
// On hardware these do not return. In the simulator they record the request and
// return; the kernel then stops stepping (kernel_step reports it).
void platform_halt(struct platform *p);
void platform_reboot(struct platform *p);
void platform_power_off(struct platform *p);

// ---- boot inputs and entropy ----------------------------------------------
// The initial archive (cpio newc) holding the user programs.
const u8 *platform_initrd(struct platform *p, u64 *size_bytes);
// Kernel command line (hardware: /chosen/bootargs; simulator: the scenario).
const char *platform_bootargs(struct platform *p);
void platform_entropy(struct platform *p, u8 *bytes, u64 count);
