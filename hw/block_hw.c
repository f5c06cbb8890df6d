// The block device on hardware: which disk the kernel gets, and the platform
// interface over it. In order of preference:
//   1. the first writable virtio-blk device among the device tree's virtio,mmio
//      slots, in address order (read-only ones, such as the boot disk U-Boot reads
//      extlinux.conf from under `./build.sh qemu --uboot`, are skipped);
//   2. a RAM disk over the initrd the boot loader placed (/chosen linux,initrd-*),
//      for boards without virtio (the JH7110), when the boot arguments say
//      hw.ramdisk=1 or the initrd is not a cpio archive (a raw disk image given
//      with -initrd, which may be blank or hold a GrainDB image made earlier). Its
//      contents are lost at power off, and the boot log says so. With hw.ramdisk=1
//      and a cpio initrd, the initrd's memory is zeroed into a blank disk and the
//      programs come from the archive embedded in the image (this needs
//      hw_block_init before kernel_boot: later, the kernel already reads the initrd);
//   3. none: the kernel runs from the initial archive alone.
// hw.disk=none skips all three. One line of the boot log says what was chosen.
#include "hw/hw.h"
#include "kernel/abi.h"
#include "kernel/lib/format.h"
#include "kernel/lib/mem.h"
#include "hw/ramdisk.h"
#include "hw/virtio_blk.h"

#define CPIO_NEWC_MAGIC "070701"
#define CPIO_NEWC_MAGIC_BYTES 6u
#define BLOCK_ERRORS_LOGGED_MAX 8u // a dead disk fails every request: say it a few times
#define BLOCK_SECTOR_NONE UINT64_MAX // a failed request that names no sector (flush)

extern const u8 hw_initrd_start[];
extern const u8 hw_initrd_end[];

enum hw_block_kind { HW_BLOCK_NONE = 0, HW_BLOCK_VIRTIO, HW_BLOCK_RAMDISK };

struct hw_block {
    bool chosen; // the choice above was made (once per boot)
    enum hw_block_kind kind;
    u64 sector_count;
    struct virtio_blk virtio;
    struct ramdisk ramdisk;
    u32 errors_logged;
};

static struct hw_block hw_block;

// For hw_main, before kernel_boot reads the initial archive: the RAM disk may have
// to move the programs' source to the embedded archive. (To be declared in hw.h.)
void hw_block_init(struct platform *p);

static bool block_virtio_choose(struct platform *p, struct hw_block *b) {
    const struct fdt_machine *m = &p->machine;
    for (u32 i = 0; i < m->virtio_count; i++) {
        u64 base = m->virtio[i].base;
        u32 version = 0, device_id = 0;
        if (!virtio_mmio_identify(base, &version, &device_id)) continue;
        if (device_id != VIRTIO_DEVICE_ID_BLOCK) continue;
        const char *problem = NULL;
        i64 result = virtio_blk_start(&b->virtio, base, p->timebase_hz, &problem);
        if (result == 0 && b->virtio.sector_count == 0) {
            virtio_mmio_reset(&b->virtio.device);
            result = -E_IO;
            problem = "no sectors";
        }
        if (result < 0) {
            hw_log(p, "disk: virtio-blk at 0x%llx not used: %s", (unsigned long long)base,
                   problem != NULL ? problem : "unknown problem");
            continue;
        }
        b->kind = HW_BLOCK_VIRTIO;
        b->sector_count = b->virtio.sector_count;
        hw_log(p, "disk: virtio-blk (%s) at 0x%llx, %llu sectors, %s",
               version == VIRTIO_MMIO_VERSION_LEGACY ? "legacy" : "modern",
               (unsigned long long)base, (unsigned long long)b->sector_count,
               b->virtio.flush ? "flush supported"
                               : "no flush command: writes taken as write-through");
        return true;
    }
    return false;
}

static bool block_range_in_ram(const struct fdt_machine *m, u64 start, u64 end) {
    for (u32 i = 0; i < m->memory_count; i++) {
        u64 ram_end = m->memory[i].base + m->memory[i].size_bytes;
        if (m->memory[i].base <= start && end <= ram_end) return true;
    }
    return false;
}

// The programs leave the initrd for the embedded archive, so that the initrd's
// memory can be the disk. Only before kernel_boot took the archive (not lazily).
static bool block_initrd_release(struct platform *p, bool early) {
    if (!p->initrd_from_dt) return true; // initrd_hw.c refused it already
    if (!early) {
        hw_log(p, "disk: hw.ramdisk=1 ignored: the kernel already reads its programs from "
                  "the initrd (hw_block_init must run before kernel_boot)");
        return false;
    }
    p->initrd = hw_initrd_start;
    p->initrd_size_bytes = (u64)(hw_initrd_end - hw_initrd_start);
    p->initrd_from_dt = false;
    hw_log(p, "disk: hw.ramdisk=1: programs come from the archive embedded in the image");
    return true;
}

static bool block_ramdisk_choose(struct platform *p, struct hw_block *b, bool early) {
    const struct fdt_machine *m = &p->machine;
    if (!m->initrd_present) return false;
    u64 start = m->initrd_start, end = m->initrd_end;
    bool forced = hw_bootargs_has(p, "hw.ramdisk=1");
    bool is_archive = end - start >= CPIO_NEWC_MAGIC_BYTES &&
                      block_range_in_ram(m, start, end) &&
                      mem_equal((const void *)(uintptr_t)start, CPIO_NEWC_MAGIC,
                                CPIO_NEWC_MAGIC_BYTES);
    if (is_archive && !forced) return false; // it is the program archive: leave it be
    if (!block_range_in_ram(m, start, end) || end - start < BLOCK_SECTOR_SIZE_BYTES) {
        hw_log(p, "disk: initrd 0x%llx..0x%llx is outside RAM or under one sector; no RAM disk",
               (unsigned long long)start, (unsigned long long)end);
        return false;
    }
    if (is_archive) {
        // hw.ramdisk=1 over an archive: the archive is no disk, so the memory
        // becomes a blank one (volatile anyway) and the programs move elsewhere.
        if (!block_initrd_release(p, early)) return false;
        mem_set((void *)(uintptr_t)start, 0, end - start);
    }
    ramdisk_init(&b->ramdisk, start, end - start);
    b->kind = HW_BLOCK_RAMDISK;
    b->sector_count = b->ramdisk.sector_count;
    hw_log(p, "disk: RAM disk over the initrd at 0x%llx, %llu sectors (volatile: lost at "
              "power off; flush does nothing)",
           (unsigned long long)start, (unsigned long long)b->sector_count);
    return true;
}

static void block_choose(struct platform *p, bool early) {
    struct hw_block *b = &hw_block;
    assert(p != NULL);
    assert(!b->chosen);
    b->chosen = true;
    if (hw_bootargs_has(p, "hw.disk=none")) {
        hw_log(p, "disk: none (hw.disk=none)");
        return;
    }
    if (block_virtio_choose(p, b)) return;
    if (block_ramdisk_choose(p, b, early)) return;
    hw_log(p, "disk: none (no writable virtio-blk device; no initrd to use as a RAM disk)");
}

void hw_block_init(struct platform *p) {
    if (!hw_block.chosen) block_choose(p, true);
}

// Until hw_main calls hw_block_init, the first block call chooses.
static struct hw_block *block_get(struct platform *p) {
    if (!hw_block.chosen) block_choose(p, false);
    return &hw_block;
}

u64 platform_block_sector_count(struct platform *p) {
    assert(p != NULL);
    return block_get(p)->sector_count;
}

static i64 block_check(struct platform *p, u64 sector, u32 sector_count) {
    const struct hw_block *b = block_get(p);
    if (b->kind == HW_BLOCK_NONE) return -E_NODEV;
    if (sector_count > b->sector_count || sector > b->sector_count - sector_count) return -E_INVAL;
    return 0;
}

// what: "read at sector N", "flush", ...
static i64 block_result(struct platform *p, i64 result, const char *what, u64 sector) {
    struct hw_block *b = &hw_block;
    if (result < 0 && b->errors_logged < BLOCK_ERRORS_LOGGED_MAX) {
        b->errors_logged++;
        char where[32] = "";
        if (sector != BLOCK_SECTOR_NONE) {
            (void)format(where, sizeof where, " at sector %llu", (unsigned long long)sector);
        }
        char status[24] = "";
        if (b->virtio.failed_status != VIRTIO_BLK_S_OK) {
            (void)format(status, sizeof status, " (status %u)", b->virtio.failed_status);
        }
        hw_log(p, "disk: %s%s failed: %s%s%s", what, where,
               b->virtio.problem != NULL ? b->virtio.problem : "disk unusable", status,
               b->errors_logged == BLOCK_ERRORS_LOGGED_MAX ? "; further errors not logged" : "");
    }
    if (result != 0) assert(result == -E_IO); // the one error the disk reports
    return result;
}

i64 platform_block_read(struct platform *p, u64 sector, u8 *bytes, u32 sector_count) {
    if (sector_count != 0) assert(bytes != NULL); // an empty buffer may be NULL
    i64 result = block_check(p, sector, sector_count);
    if (result < 0 || sector_count == 0) return result;
    if (hw_block.kind == HW_BLOCK_RAMDISK) {
        return ramdisk_read(&hw_block.ramdisk, sector, bytes, sector_count);
    }
    result = virtio_blk_read(&hw_block.virtio, sector, bytes, sector_count);
    return block_result(p, result, "read", sector);
}

i64 platform_block_write(struct platform *p, u64 sector, const u8 *bytes, u32 sector_count) {
    if (sector_count != 0) assert(bytes != NULL); // an empty buffer may be NULL
    i64 result = block_check(p, sector, sector_count);
    if (result < 0 || sector_count == 0) return result;
    if (hw_block.kind == HW_BLOCK_RAMDISK) {
        return ramdisk_write(&hw_block.ramdisk, sector, bytes, sector_count);
    }
    result = virtio_blk_write(&hw_block.virtio, sector, bytes, sector_count);
    return block_result(p, result, "write", sector);
}

i64 platform_block_flush(struct platform *p) {
    const struct hw_block *b = block_get(p);
    if (b->kind == HW_BLOCK_NONE) return -E_NODEV;
    if (b->kind == HW_BLOCK_RAMDISK) return 0; // nothing outlives power off anyway
    return block_result(p, virtio_blk_flush(&hw_block.virtio), "flush", BLOCK_SECTOR_NONE);
}
