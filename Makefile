# Grain Basin build. Driven by ./build.sh; usable directly with `make`.
# Host side honours CC and CFLAGS; BUILD selects the output folder so that several
# host variants (gcc/clang, -O0/-O2, sanitizers) can coexist.

BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
RV_PREFIX ?= riscv64-unknown-elf-
RV_CC := $(RV_PREFIX)gcc
RV_OBJCOPY := $(RV_PREFIX)objcopy

# Never rebuild silently with stale flags: objects live under a folder per variant.
HOST_OBJ := $(BUILD)/host
RV_OUT := build/riscv

WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter
# -MMD -MP: every object also depends on the headers it really includes (the .d files).
HOST_CFLAGS := $(CFLAGS) -std=c11 $(WARNINGS) -Isrc -I. -DBASIN_SIM -D_POSIX_C_SOURCE=200809L -MMD -MP

# Initial passwords of root and xy (hashed into /etc/shadow at the first boot);
# defaults in src/kernel/users/passwords_default.h, repeated for the test programs in
# src/user/tests/lib/passwords.h (test_password checks that the two agree). Passed to
# the kernel and the test programs.
PASSWORD_FLAGS :=
ifdef PASSWORD_ROOT
PASSWORD_FLAGS += -DBASIN_PASSWORD_ROOT='"$(PASSWORD_ROOT)"'
endif
ifdef PASSWORD_XY
PASSWORD_FLAGS += -DBASIN_PASSWORD_XY='"$(PASSWORD_XY)"'
endif
HOST_CFLAGS += $(PASSWORD_FLAGS)

# Every include names its header by its path from src/ ("kernel/fs/fs.h"), or from the
# repository for the board and test folders ("hw/sbi.h", "tests/unit/unit.h").
KERNEL_SRC := $(sort $(wildcard src/kernel/*.c src/kernel/*/*.c src/subsystems/*/*.c src/lib/*/*.c))
PORTABLE_HDR := $(wildcard src/kernel/*.h src/kernel/*/*.h src/subsystems/*/*.h src/lib/*/*.h)
SIM_SRC := $(sort $(wildcard src/sim/*.c src/sim/*/*.c src/faults/*.c))
SIM_HDR := $(wildcard src/sim/*.h src/sim/*/*.h src/faults/*.h)
HW_SRC := $(sort $(wildcard hw/*.c))
HW_ASM := $(sort $(wildcard hw/*.S))
# User programs: the tools a user runs (src/user/programs, installed in /bin) and the
# test workloads (src/user/tests, installed in /test, outside the shell's PATH). Only the
# tests link the test library (src/user/tests/lib: oracles, models, check helpers).
USER_LIB_SRC := $(sort $(wildcard src/user/lib/*.c))
USER_LIB_ASM := $(sort $(wildcard src/user/lib/*.S))
USER_TEST_LIB_SRC := $(sort $(wildcard src/user/tests/lib/*.c))
USER_PROGRAMS := $(sort $(basename $(notdir $(wildcard src/user/programs/*.c))))
USER_TESTS := $(sort $(basename $(notdir $(wildcard src/user/tests/*.c))))

KERNEL_HOST_OBJ := $(patsubst src/%.c,$(HOST_OBJ)/%.o,$(KERNEL_SRC))
SIM_HOST_OBJ := $(patsubst src/%.c,$(HOST_OBJ)/%.o,$(SIM_SRC))

# ---- RISC-V flags -----------------------------------------------------------------
RV_ARCH := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
RV_KERNEL_CFLAGS := $(RV_ARCH) -O2 -g -std=c11 $(WARNINGS) -MMD -MP -ffreestanding -fno-common \
    -fno-stack-protector -fno-pic -mno-relax -nostdlib -Isrc -I. $(PASSWORD_FLAGS)
# Code linked with picolibc or libgcc must select the rv64imac/lp64 multilib: GCC 12
# maps -march=rv64imac_zicsr_zifencei to the default (lp64d) multilib instead.
RV_LINK_ARCH := -march=rv64imac -mabi=lp64 -mcmodel=medany
RV_USER_CFLAGS := $(RV_LINK_ARCH) -Os -g -std=c11 $(WARNINGS) --specs=picolibc.specs \
    -ffunction-sections -fdata-sections -Isrc $(PASSWORD_FLAGS)
RV_USER_LDFLAGS := -nostartfiles -T src/user/user.ld \
    -Wl,--gc-sections -Wl,--build-id=none

USER_LIB_OBJ := $(patsubst src/user/lib/%.c,$(RV_OUT)/user/lib/%.o,$(USER_LIB_SRC)) \
                $(patsubst src/user/lib/%.S,$(RV_OUT)/user/lib/%.o,$(USER_LIB_ASM))
USER_TEST_LIB_OBJ := $(patsubst src/user/tests/lib/%.c,$(RV_OUT)/user/tests/lib/%.o,$(USER_TEST_LIB_SRC))
USER_LIB_HDR := src/kernel/abi.h $(wildcard src/user/lib/*.h)
USER_TEST_LIB_HDR := $(USER_LIB_HDR) $(wildcard src/user/tests/lib/*.h)
RV_KERNEL_OBJ := $(patsubst src/%.c,$(RV_OUT)/%.o,$(KERNEL_SRC)) \
                 $(patsubst hw/%.c,$(RV_OUT)/hw/%.o,$(HW_SRC)) \
                 $(patsubst hw/%.S,$(RV_OUT)/hw/%.o,$(HW_ASM))

# ---- third-party libraries: BearSSL (SHA-256) and xxHash --------------------------------
# Host: Debian's libbearssl-dev (headers in /usr/include/bearssl) and libxxhash-dev.
# RISC-V: BearSSL's SHA-256, HMAC and HMAC-DRBG compiled from Debian's source package (fetched by
# tools/fetch-bearssl.sh), and libxxhash-dev's header (header-only use), both with
# picolibc's headers. No third-party code is kept in the repository.
HOST_CFLAGS += -I/usr/include/bearssl
HOST_LIBS := -lxxhash -lbearssl
BEARSSL_DIR := build/third_party/bearssl
BEARSSL_STAMP := $(BEARSSL_DIR)/src/hash/sha2small.c
BEARSSL_RV_OBJ := $(RV_OUT)/bearssl/sha2small.o $(RV_OUT)/bearssl/dec32be.o $(RV_OUT)/bearssl/enc32be.o \
    $(RV_OUT)/bearssl/hmac.o $(RV_OUT)/bearssl/hmac_drbg.o
# Zix's signatures (kernel/zix/zix_sign_crypto.c): ECDSA P-256 (br_ec_p256_m31,
# br_ecdsa_i31_*_raw, br_ec_keygen, br_ec_compute_pub) and what they use, found by linking
# (the ECDSA code names every prime curve's parameters, hence secp384r1 and secp521r1).
BEARSSL_RV_OBJ += $(addprefix $(RV_OUT)/bearssl/,ec_p256_m31.o ecdsa_i31_sign_raw.o ecdsa_i31_vrfy_raw.o \
    ecdsa_i31_bits.o ec_keygen.o ec_pubkey.o ec_secp256r1.o ec_secp384r1.o ec_secp521r1.o ccopy.o \
    i31_add.o i31_sub.o i31_decode.o i31_decmod.o i31_encode.o i31_fmont.o i31_iszero.o i31_modpow.o \
    i31_montmul.o i31_ninv31.o i31_rshift.o i31_bitlen.o i31_tmont.o i31_muladd.o i32_div32.o)
RV_THIRD_PARTY_INCLUDES := -I$(BEARSSL_DIR)/inc -I$(RV_OUT)/include \
    -isystem /usr/lib/picolibc/riscv64-unknown-elf/include
RV_KERNEL_CFLAGS += $(RV_THIRD_PARTY_INCLUDES)
RV_KERNEL_OBJ += $(BEARSSL_RV_OBJ)
$(BEARSSL_STAMP): tools/fetch-bearssl.sh
	tools/fetch-bearssl.sh
	@touch $@
$(RV_OUT)/include/xxhash.h: /usr/include/xxhash.h
	@mkdir -p $(dir $@)
	cp $< $@
$(RV_OUT)/bearssl/%.o: $(BEARSSL_STAMP)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_LINK_ARCH) -O2 -ffreestanding -fno-common -fPIE -mno-relax $(RV_THIRD_PARTY_INCLUDES) \
	    -I$(BEARSSL_DIR)/src -c -o $@ $(firstword $(wildcard $(BEARSSL_DIR)/src/hash/$*.c $(BEARSSL_DIR)/src/codec/$*.c $(BEARSSL_DIR)/src/mac/$*.c $(BEARSSL_DIR)/src/rand/$*.c \
	    $(BEARSSL_DIR)/src/ec/$*.c $(BEARSSL_DIR)/src/int/$*.c))
# Every kernel object may include the two headers: make sure they exist first.
$(filter-out $(BEARSSL_RV_OBJ),$(RV_KERNEL_OBJ)): | $(RV_OUT)/include/xxhash.h $(BEARSSL_STAMP)

.PHONY: all sim riscv user clean
.SECONDARY:
all: sim riscv
sim: $(BUILD)/basin-sim
riscv: $(RV_OUT)/basin.elf $(RV_OUT)/Image
user: $(RV_OUT)/initrd.cpio

# ---- tools (host) -------------------------------------------------------------------
build/tools/mkcpio: tools/mkcpio.c
	@mkdir -p $(dir $@)
	cc -O2 -std=c11 -Wall -Wextra -o $@ $<

# ---- user programs (RISC-V, built once, run on both targets) --------------------------
$(RV_OUT)/user/lib/%.o: src/user/lib/%.c $(USER_LIB_HDR)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_USER_CFLAGS) -c -o $@ $<
$(RV_OUT)/user/lib/%.o: src/user/lib/%.S
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_LINK_ARCH) -c -o $@ $<
$(RV_OUT)/user/tests/lib/%.o: src/user/tests/lib/%.c $(USER_TEST_LIB_HDR)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_USER_CFLAGS) -c -o $@ $<
$(RV_OUT)/user/programs/%.elf: src/user/programs/%.c $(USER_LIB_OBJ) src/user/user.ld $(USER_LIB_HDR)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_USER_CFLAGS) $(RV_USER_LDFLAGS) -o $@ $< $(USER_LIB_OBJ)
$(RV_OUT)/user/tests/%.elf: src/user/tests/%.c $(USER_TEST_LIB_OBJ) $(USER_LIB_OBJ) src/user/user.ld $(USER_TEST_LIB_HDR)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_USER_CFLAGS) $(RV_USER_LDFLAGS) -o $@ $< $(USER_TEST_LIB_OBJ) $(USER_LIB_OBJ)
# init's edge phase lives in a header of its own (the pattern rule above knows only init.c).
$(RV_OUT)/user/programs/init.elf: src/user/programs/init_edges.h src/user/programs/init_z6.h
# The archive carries the programs without debug info (symbols stay).
$(RV_OUT)/user/bin/%: $(RV_OUT)/user/programs/%.elf
	@mkdir -p $(dir $@)
	$(RV_PREFIX)strip --strip-debug -o $@ $<
$(RV_OUT)/user/test/%: $(RV_OUT)/user/tests/%.elf
	@mkdir -p $(dir $@)
	$(RV_PREFIX)strip --strip-debug -o $@ $<
USER_BINS := $(addprefix $(RV_OUT)/user/bin/,$(USER_PROGRAMS))
USER_TEST_BINS := $(addprefix $(RV_OUT)/user/test/,$(USER_TESTS))
# Zix's example recipes and their builder scripts (issue 13), in /share/zix/examples.
ZIX_EXAMPLES := $(sort $(wildcard src/user/examples/zix/*))
# The initial archive: /bin/<program> for each tool and /test/<program> for each test
# workload, each in sorted order (the kernel imports its directories and files).
$(RV_OUT)/initrd.cpio: $(USER_BINS) $(USER_TEST_BINS) $(ZIX_EXAMPLES) build/tools/mkcpio
	build/tools/mkcpio $@ $(foreach b,$(USER_BINS),bin/$(notdir $(b))=$(b)) \
	    $(foreach b,$(USER_TEST_BINS),test/$(notdir $(b))=$(b)) \
	    $(foreach e,$(ZIX_EXAMPLES),share/zix/examples/$(notdir $(e))=$(e))

# ---- host simulator ---------------------------------------------------------------------
$(HOST_OBJ)/%.o: src/%.c $(PORTABLE_HDR) $(SIM_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c -o $@ $<
$(HOST_OBJ)/sim/machine/initrd_blob.o: src/sim/machine/initrd_blob.S $(RV_OUT)/initrd.cpio
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -DINITRD_PATH='"$(RV_OUT)/initrd.cpio"' -o $@ $<
$(BUILD)/basin-sim: $(KERNEL_HOST_OBJ) $(SIM_HOST_OBJ) $(HOST_OBJ)/sim/machine/initrd_blob.o
	$(CC) $(CFLAGS) $(COVERAGE_CFLAGS) -o $@ $^ $(HOST_LIBS)
# ./build.sh coverage (tools/coverage.sh): COVERAGE_CFLAGS="-O0 --coverage" instruments the
# measured code only (the portable code and src/faults); the interpreter keeps CFLAGS'
# optimisation so that a sweep stays minutes long.
COVERAGE_CFLAGS ?=
$(KERNEL_HOST_OBJ) $(patsubst src/%.c,$(HOST_OBJ)/%.o,$(wildcard src/faults/*.c)): HOST_CFLAGS += $(COVERAGE_CFLAGS)

# ---- RISC-V kernel image --------------------------------------------------------------
# One Image for every board: a static PIE linked at 0 that hw/entry.S relocates to
# wherever the boot loader put it (R_RISCV_RELATIVE only; hw/image_check.sh refuses
# anything else). Compiled -fPIE (after RV_KERNEL_CFLAGS' -fno-pic, so it wins) and
# linked by ld.lld: GNU ld for riscv64-unknown-elf cannot make a PIE.
RV_KERNEL_PIE := -fPIE
RV_LD := ld.lld
RV_LIBGCC = $(shell $(RV_CC) $(RV_LINK_ARCH) -print-libgcc-file-name)
# Objects depend on their flags: a change (such as -fPIE) rebuilds them all.
RV_KERNEL_FLAGS_STAMP := $(RV_OUT)/kernel-cflags.txt
.PHONY: rv-kernel-flags-force
$(RV_KERNEL_FLAGS_STAMP): rv-kernel-flags-force
	@mkdir -p $(dir $@)
	@echo '$(RV_KERNEL_CFLAGS) $(RV_KERNEL_PIE)' | cmp -s - $@ || \
	    echo '$(RV_KERNEL_CFLAGS) $(RV_KERNEL_PIE)' > $@
$(RV_OUT)/kernel/%.o: src/kernel/%.c $(PORTABLE_HDR) $(RV_KERNEL_FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_KERNEL_CFLAGS) $(RV_KERNEL_PIE) -c -o $@ $<
$(RV_OUT)/lib/%.o: src/lib/%.c $(PORTABLE_HDR) $(RV_KERNEL_FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_KERNEL_CFLAGS) $(RV_KERNEL_PIE) -c -o $@ $<
$(RV_OUT)/subsystems/%.o: src/subsystems/%.c $(PORTABLE_HDR) $(RV_KERNEL_FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_KERNEL_CFLAGS) $(RV_KERNEL_PIE) -c -o $@ $<
$(RV_OUT)/hw/%.o: hw/%.c $(PORTABLE_HDR) $(wildcard hw/*.h) $(RV_KERNEL_FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_KERNEL_CFLAGS) $(RV_KERNEL_PIE) -c -o $@ $<
$(RV_OUT)/hw/initrd_blob.o: hw/initrd_blob.S $(RV_OUT)/initrd.cpio
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_ARCH) -c -DINITRD_PATH='"$(RV_OUT)/initrd.cpio"' -o $@ $<
$(RV_OUT)/hw/%.o: hw/%.S
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_ARCH) -c -Isrc -I. -o $@ $<
$(RV_OUT)/basin.elf: $(RV_KERNEL_OBJ) hw/kernel.ld
	$(RV_LD) -m elf64lriscv -static -pie --no-dynamic-linker -z text -z norelro \
	    --build-id=none --discard-locals -T hw/kernel.ld -o $@.tmp $(RV_KERNEL_OBJ) $(RV_LIBGCC)
	mv $@.tmp $@
$(RV_OUT)/Image: $(RV_OUT)/basin.elf hw/image_check.sh
	$(RV_OBJCOPY) -O binary $< $@.tmp
	RV_PREFIX=$(RV_PREFIX) hw/image_check.sh $< $@.tmp
	mv $@.tmp $@

# Board images (./build.sh image --board B): build/image/B/ holds Image, initrd and
# extlinux/extlinux.conf, and disk.img, an MBR disk with those files on a bootable
# FAT partition (for a microSD card, or QEMU's virtio-blk). Every board boots the
# same three files; hw/framework13/extlinux.conf is the one extlinux.conf.
IMAGE_BOARDS := framework13 qemu-virt
IMAGE_FILES := Image initrd extlinux/extlinux.conf
.PHONY: $(addprefix image-,$(IMAGE_BOARDS))
$(addprefix image-,$(IMAGE_BOARDS)): image-%: build/image/%/disk.img
build/image/%/disk.img: $(RV_OUT)/Image $(RV_OUT)/initrd.cpio hw/framework13/extlinux.conf hw/mkdisk.sh
	@test -d hw/$* || { echo "no board hw/$*" >&2; exit 1; }
	@mkdir -p $(@D)/extlinux
	cp $(RV_OUT)/Image $(@D)/Image
	cp $(RV_OUT)/initrd.cpio $(@D)/initrd
	cp hw/framework13/extlinux.conf $(@D)/extlinux/extlinux.conf
	hw/mkdisk.sh $@ $(@D) $(IMAGE_FILES)

clean:
	rm -rf build

# ---- unit tests (host) ----------------------------------------------------------------
# tests/unit/test_NAME.c links against every kernel and sim object except the sim's
# main(), and prints TAP-like lines: "ok NAME" / "not ok NAME".
UNIT_TESTS := $(sort $(basename $(notdir $(wildcard tests/unit/test_*.c))))
SIM_LIB_OBJ := $(filter-out $(HOST_OBJ)/sim/cli/main.o,$(SIM_HOST_OBJ))
.PHONY: unit-tests
unit-tests: $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
$(BUILD)/tests/test_%: tests/unit/test_%.c $(KERNEL_HOST_OBJ) $(SIM_LIB_OBJ) $(HOST_OBJ)/sim/machine/initrd_blob.o $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(KERNEL_HOST_OBJ) $(SIM_LIB_OBJ) $(HOST_OBJ)/sim/machine/initrd_blob.o $(HOST_LIBS)

# ---- GrainDB host tests and bench ---------------------------------------------------------
# The engine (src/subsystems/graindb) built for the host on its own, with the block devices
# of tests/graindb: RAM with injected faults (testdev.c) for the tests, a host file
# (filedev.c) for the file test and the bench. A second build of the engine with
# -DGRAINDB_TEST_BUGS turns its planted-bug sites on through db->planted_mask, so that
# test_graindb_planted can prove each one is caught. Tests land in $(BUILD)/tests/ with
# the unit tests; the bench needs libsqlite3-dev and liblmdb-dev and is not part of `all`.
GRAINDB_SRC := $(sort $(wildcard src/subsystems/graindb/*.c)) src/kernel/lib/mem.c
GRAINDB_HDR := $(PORTABLE_HDR) $(wildcard tests/graindb/*.h)
GRAINDB_OUT := $(BUILD)/graindb
GRAINDB_CFLAGS := $(CFLAGS) -std=c11 $(WARNINGS) -Isrc -I. -I/usr/include/bearssl \
    -D_POSIX_C_SOURCE=200809L
GRAINDB_OBJ := $(patsubst src/%.c,$(GRAINDB_OUT)/engine/%.o,$(GRAINDB_SRC))
GRAINDB_BUGS_OBJ := $(patsubst src/%.c,$(GRAINDB_OUT)/planted/%.o,$(GRAINDB_SRC))
GRAINDB_RAM_SUPPORT := $(GRAINDB_OUT)/support/testdev.o $(GRAINDB_OUT)/support/gdbtest.o
GRAINDB_TESTS := $(addprefix $(BUILD)/tests/,$(sort $(basename $(notdir $(wildcard tests/graindb/test_graindb_*.c)))))
GRAINDB_RAM_TESTS := $(filter-out %/test_graindb_filedev %/test_graindb_planted,$(GRAINDB_TESTS))
GRAINDB_BENCH := $(BUILD)/graindb_bench

$(GRAINDB_OUT)/engine/%.o: src/%.c $(GRAINDB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GRAINDB_CFLAGS) -c -o $@ $<
$(GRAINDB_OUT)/planted/%.o: src/%.c $(GRAINDB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GRAINDB_CFLAGS) -DGRAINDB_TEST_BUGS -c -o $@ $<
$(GRAINDB_OUT)/support/%.o: tests/graindb/%.c $(GRAINDB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GRAINDB_CFLAGS) -c -o $@ $<
$(GRAINDB_RAM_TESTS): $(BUILD)/tests/%: tests/graindb/%.c $(GRAINDB_OBJ) $(GRAINDB_RAM_SUPPORT) $(GRAINDB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GRAINDB_CFLAGS) -o $@ $< $(GRAINDB_OBJ) $(GRAINDB_RAM_SUPPORT) -lbearssl
$(BUILD)/tests/test_graindb_planted: tests/graindb/test_graindb_planted.c $(GRAINDB_BUGS_OBJ) $(GRAINDB_RAM_SUPPORT) $(GRAINDB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GRAINDB_CFLAGS) -DGRAINDB_TEST_BUGS -o $@ $< $(GRAINDB_BUGS_OBJ) $(GRAINDB_RAM_SUPPORT) -lbearssl
$(BUILD)/tests/test_graindb_filedev: tests/graindb/test_graindb_filedev.c $(GRAINDB_OBJ) $(GRAINDB_OUT)/support/filedev.o $(GRAINDB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GRAINDB_CFLAGS) -o $@ $< $(GRAINDB_OBJ) $(GRAINDB_OUT)/support/filedev.o -lbearssl
$(GRAINDB_BENCH): tests/bench/graindb_bench.c $(GRAINDB_OBJ) $(GRAINDB_OUT)/support/filedev.o $(GRAINDB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GRAINDB_CFLAGS) -o $@ $< $(GRAINDB_OBJ) $(GRAINDB_OUT)/support/filedev.o -lbearssl -lsqlite3 -llmdb
unit-tests: $(GRAINDB_TESTS)
.PHONY: graindb-tests graindb-bench
graindb-tests: $(GRAINDB_TESTS)
graindb-bench: $(GRAINDB_BENCH)
	$(GRAINDB_BENCH) build/bench

# ---- z6 host tests -------------------------------------------------------------------------
# The supervisor's engine (src/subsystems/z6), a pure state machine, built for the host on
# its own with its unit test (tests/z6) too; the kernel hosts it (src/kernel/z6).
Z6_SRC := $(sort $(wildcard src/subsystems/z6/*.c)) src/kernel/lib/mem.c src/kernel/lib/format.c
Z6_HDR := $(PORTABLE_HDR) $(wildcard tests/z6/*.h)
Z6_OUT := $(BUILD)/z6
Z6_OBJ := $(patsubst src/%.c,$(Z6_OUT)/engine/%.o,$(Z6_SRC))
Z6_TESTS := $(addprefix $(BUILD)/tests/,$(sort $(basename $(notdir $(wildcard tests/z6/test_*.c)))))
$(Z6_OUT)/engine/%.o: src/%.c $(Z6_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GRAINDB_CFLAGS) -c -o $@ $<
$(Z6_TESTS): $(BUILD)/tests/%: tests/z6/%.c $(Z6_OBJ) $(Z6_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GRAINDB_CFLAGS) -o $@ $< $(Z6_OBJ)
unit-tests: $(Z6_TESTS)
.PHONY: z6-tests
z6-tests: $(Z6_TESTS)
# The engine's events per second (./build.sh bench: tests/bench/bench.py).
$(BUILD)/z6_bench: tests/bench/z6_bench.c $(Z6_OBJ) $(Z6_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GRAINDB_CFLAGS) -o $@ $< $(Z6_OBJ)

# ---- zix host tests ------------------------------------------------------------------------
# The build store's engine (src/subsystems/zix: recipes, store paths, the NAR-like
# serializer, registrations, GC marking), built for the host on its own with its unit
# tests (tests/zix); the kernel hosts it (src/kernel/zix). SHA-256 from BearSSL, xxHash
# header-only.
ZIX_SRC := $(sort $(wildcard src/subsystems/zix/*.c)) src/kernel/lib/mem.c
ZIX_HDR := $(PORTABLE_HDR) $(wildcard tests/zix/*.h)
ZIX_OUT := $(BUILD)/zix
ZIX_OBJ := $(patsubst src/%.c,$(ZIX_OUT)/engine/%.o,$(ZIX_SRC))
ZIX_TESTS := $(addprefix $(BUILD)/tests/,$(sort $(basename $(notdir $(wildcard tests/zix/test_zix_*.c)))))
$(ZIX_OUT)/engine/%.o: src/%.c $(ZIX_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GRAINDB_CFLAGS) -c -o $@ $<
$(ZIX_TESTS): $(BUILD)/tests/%: tests/zix/%.c $(ZIX_OBJ) $(ZIX_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GRAINDB_CFLAGS) -o $@ $< $(ZIX_OBJ) -lbearssl
unit-tests: $(ZIX_TESTS)
.PHONY: zix-tests
zix-tests: $(ZIX_TESTS)

# Header dependencies recorded by -MMD (host objects, RISC-V kernel objects).
-include $(shell find $(HOST_OBJ) $(RV_OUT) -name '*.d' 2>/dev/null)

# ---- the interpreter bench (./build.sh bench; not part of `all`) -----------------------
$(BUILD)/rv64_bench: tests/bench/rv64_bench.c $(SIM_LIB_OBJ) $(KERNEL_HOST_OBJ) $(HOST_OBJ)/sim/machine/initrd_blob.o
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(KERNEL_HOST_OBJ) $(SIM_LIB_OBJ) $(HOST_OBJ)/sim/machine/initrd_blob.o $(HOST_LIBS)

# ---- replica host tests (issue 14) ---------------------------------------------------------
# GrainDB's replica engine (src/subsystems/graindb/replica_*.c: clock, versions, Merkle
# tree, anti-entropy, wire codec), pure, built for the host on its own with its unit
# tests (tests/replica), under the address and undefined-behaviour sanitizers so a read
# outside a datagram fails the decode fuzz; the kernel hosts it (src/kernel/replica).
REPLICA_SRC := $(sort $(wildcard src/subsystems/graindb/replica_*.c)) src/kernel/lib/mem.c
REPLICA_HDR := $(PORTABLE_HDR) $(wildcard tests/replica/*.h)
REPLICA_OUT := $(BUILD)/replica
REPLICA_CFLAGS := $(GRAINDB_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all
REPLICA_OBJ := $(patsubst src/%.c,$(REPLICA_OUT)/engine/%.o,$(REPLICA_SRC))
REPLICA_TESTS := $(addprefix $(BUILD)/tests/,$(sort $(basename $(notdir $(wildcard tests/replica/test_replica_*.c)))))
$(REPLICA_OUT)/engine/%.o: src/%.c $(REPLICA_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(REPLICA_CFLAGS) -c -o $@ $<
$(REPLICA_TESTS): $(BUILD)/tests/%: tests/replica/%.c $(REPLICA_OBJ) $(REPLICA_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(REPLICA_CFLAGS) -o $@ $< $(REPLICA_OBJ) -lbearssl
unit-tests: $(REPLICA_TESTS)
.PHONY: replica-tests
replica-tests: $(REPLICA_TESTS)
