// init's edge phase (init.edges=1), kept apart from init.c for its size; included by
// init.c only. It takes the kernel down paths a correct run takes but the other phases
// seldom do, and checks what it can of the results:
//   - /etc/limits.conf is changed for the next boot, in a cycle decided by what this
//     boot found: the provisioned file or none -> bad lines (ignored with a warning),
//     bad lines -> a file too big to use (the built-in limits apply), too big -> no
//     file (the built-in limits apply). With init.end=reboot, every boot reads the
//     previous boot's choice, so four boots see each case.
//   - the audit log past its share and its rotations: xy's sudo events beyond its
//     share (counted, then summed up at the rotation), then enough of root's distinct
//     events to rotate the log more often than it keeps archives (`authflood noise`).
//     Then root appends a line naming no uid (counted as root's when the next boot
//     scans the file) and changes the log's mode (the next append puts it right).
//   - the kernel's random seed file, in step with limits.conf's cycle: made short
//     and readable by others (the next boot warns of both and rewrites it as root's
//     0600), or removed with its directory (the seed saved at reboot makes both).
//   - /bin/init moved away for the boot that finds no limits.conf (the kernel then
//     starts the initial archive's init), and back by that boot's edge phase.
//   - a breakpoint and a misaligned atomic (`illegal ebreak|misaligned`).
//   - more files written at once than the kernel has file buffers (FS_BUFFERS_MAX,
//     16): the writer of the 17th takes one back, clean ones (fsynced) first.
#define EDGES_LIMITS_PATH "/etc/limits.conf"
#define EDGES_LIMITS_BAD_MARK "# edges: bad lines\n"
#define EDGES_LIMITS_BIG_MARK "# edges: too big\n"
#define EDGES_LIMITS_BIG_BYTES 3000u // over the kernel's 2048 (LIMITS_CONF_BYTES_MAX)
#define EDGES_READ_BYTES 64u
#define EDGES_DIR "/tmp/edges"
#define EDGES_FILES 20u              // more than FS_BUFFERS_MAX
#define EDGES_FSYNCED_EVERY 3u       // every third file is made clean before the rest
#define EDGES_FILE_BYTES 96u

static const char *const edges_ebreak_argv[] = {"illegal", "ebreak", NULL};
static const char *const edges_misaligned_argv[] = {"illegal", "misaligned", NULL};
static const char *const edges_noise_xy_argv[] = {"authflood", "noise", "60", NULL};
static const char *const edges_noise_root_argv[] = {"authflood", "noise", "400", NULL};

// As xy every sudo without a password is refused (exit 0); as root every one is
// allowed and then fails to find /bin/noise-N, which authflood calls a failure (exit 1).
static const struct job edges_audit_jobs[] = {
    {TEST("authflood"), ABI_UID_USER, edges_noise_xy_argv, ABI_EXIT_NORMAL, 0, "authflood noise as xy"},
    {TEST("authflood"), ABI_UID_ROOT, edges_noise_root_argv, ABI_EXIT_NORMAL, 1, "authflood noise as root"},
};

// The traps no other job takes: the kernel must kill each with its own cause.
static const struct job edges_trap_jobs[] = {
    {TEST("illegal"), ABI_UID_USER, edges_ebreak_argv, ABI_EXIT_FAULT_BREAKPOINT, -1, "illegal ebreak"},
    {TEST("illegal"), ABI_UID_USER, edges_misaligned_argv, ABI_EXIT_FAULT_MISALIGNED, -1, "illegal misaligned"},
};

static i64 edges_write_file(const char *path, const char *text, u64 length) {
    basin_assert(path != NULL);
    basin_assert(text != NULL);
    i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, 0644);
    if (fd < 0) return fd;
    i64 result = length == 0 ? 0 : sys_write(fd, text, length);
    i64 closed = sys_close(fd);
    return result < 0 ? result : closed;
}

#define EDGES_AUTH_LOG_PATH "/var/log/auth"
#define EDGES_AUTH_LOG_WRONG_MODE 0644u // the kernel keeps it 0600

// Root's own changes to the audit log. Returns how many calls failed.
static u32 edges_audit_log_tamper(void) {
    static const char line[] = "edges: a line naming no user\n";
    i64 fd = sys_open(EDGES_AUTH_LOG_PATH, ABI_O_WRONLY | ABI_O_APPEND, 0);
    i64 written = fd < 0 ? fd : sys_write(fd, line, sizeof line - 1);
    i64 closed = fd < 0 ? fd : sys_close(fd);
    i64 changed = sys_chmod(EDGES_AUTH_LOG_PATH, EDGES_AUTH_LOG_WRONG_MODE);
    u32 failed = (written < 0) + (closed < 0) + (changed < 0);
    basin_assert(failed <= 3);
    say("edges: audit log appended to and made 0%o: %u failures", EDGES_AUTH_LOG_WRONG_MODE, failed);
    return failed;
}

#define EDGES_INIT_PATH "/bin/init"
#define EDGES_INIT_AWAY_PATH "/bin/init.edges"

#define EDGES_SEED_PATH "/var/lib/random-seed"
#define EDGES_SEED_DIR "/var/lib"
#define EDGES_SEED_SHORT_BYTES 8u // of the kernel's 64 (RANDOM_SEED_FILE_BYTES)

// The random seed file as the next boot will find it. Returns how many calls failed.
static u32 edges_seed_file(bool remove) {
    i64 first = 0, second = 0;
    if (remove) {
        first = sys_unlink(EDGES_SEED_PATH);
        second = sys_rmdir(EDGES_SEED_DIR);
    } else {
        static const char seed[EDGES_SEED_SHORT_BYTES] = "edges!";
        first = edges_write_file(EDGES_SEED_PATH, seed, sizeof seed);
        second = sys_chmod(EDGES_SEED_PATH, 0644);
    }
    say("edges: random seed file %s: %ld %s, %ld %s", remove ? "removed with its directory" : "short and 0644",
        (long)first, error_name(first), (long)second, error_name(second));
    return (first < 0) + (second < 0);
}

// The limits.conf of the next boot, and the seed file's. Returns how many calls failed.
static u32 edges_limits(void) {
    char found[EDGES_READ_BYTES] = "";
    i64 fd = sys_open(EDGES_LIMITS_PATH, ABI_O_RDONLY, 0);
    i64 length = fd >= 0 ? sys_read(fd, found, sizeof found - 1) : fd;
    if (fd >= 0) sys_close(fd);
    bool bad = length > 0 && strncmp(found, EDGES_LIMITS_BAD_MARK, strlen(EDGES_LIMITS_BAD_MARK)) == 0;
    bool big = length > 0 && strncmp(found, EDGES_LIMITS_BIG_MARK, strlen(EDGES_LIMITS_BIG_MARK)) == 0;
    i64 result = 0;
    const char *next = "bad lines";
    if (big) {
        next = "none, and no /bin/init";
        result = sys_unlink(EDGES_LIMITS_PATH);
        if (result == 0) result = sys_rename(EDGES_INIT_PATH, EDGES_INIT_AWAY_PATH);
    } else if (bad) {
        static char text[EDGES_LIMITS_BIG_BYTES];
        memset(text, '#', sizeof text);
        memcpy(text, EDGES_LIMITS_BIG_MARK, strlen(EDGES_LIMITS_BIG_MARK));
        for (u32 at = 64; at < sizeof text; at += 64) text[at] = '\n';
        next = "too big";
        result = edges_write_file(EDGES_LIMITS_PATH, text, sizeof text);
    } else {
        static const char text[] = EDGES_LIMITS_BAD_MARK "no equals sign\nno_such_key = 3\n"
                                                         "files_per_process = 5\nprocesses_per_user = 24\n";
        result = edges_write_file(EDGES_LIMITS_PATH, text, sizeof text - 1);
    }
    say("edges: limits.conf %s for the next boot: %ld %s", next, (long)result, error_name(result));
    u32 seed_failed = big ? 0 : edges_seed_file(bad); // the seed file's cycle: short, gone, left
    return (result < 0 ? 1 : 0) + seed_failed;
}

// Writes file i of EDGES_DIR through fd; what it holds names it.
static i64 edges_buffer_write(i64 fd, u32 i) {
    char text[EDGES_FILE_BYTES];
    memset(text, 'a' + (char)(i % 26), sizeof text);
    snprintf(text, sizeof text, "file %u", i);
    i64 result = sys_write(fd, text, sizeof text);
    if (result >= 0 && result != (i64)sizeof text) result = -E_IO;
    if (result >= 0 && i % EDGES_FSYNCED_EVERY == 0) result = sys_fsync(fd);
    return result;
}

// Every file open and written before any is closed; then each read back and checked.
static u32 edges_buffers(void) {
    i64 fds[EDGES_FILES];
    u32 failed = 0;
    i64 made = sys_mkdir(EDGES_DIR, 0755);
    if (made < 0 && made != -E_EXIST) failed++;
    for (u32 i = 0; i < EDGES_FILES; i++) {
        char path[48];
        snprintf(path, sizeof path, EDGES_DIR "/f%u", i);
        fds[i] = sys_open(path, ABI_O_RDWR | ABI_O_CREAT | ABI_O_TRUNC, 0644);
        if (fds[i] < 0 || edges_buffer_write(fds[i], i) < 0) failed++;
    }
    for (u32 i = 0; i < EDGES_FILES; i++) {
        char text[EDGES_FILE_BYTES], expected[16];
        if (fds[i] < 0) continue;
        i64 length = sys_pread(fds[i], text, sizeof text, 0);
        snprintf(expected, sizeof expected, "file %u", i);
        if (length != (i64)sizeof text || strcmp(text, expected) != 0) failed++;
        if (sys_close(fds[i]) < 0) failed++;
    }
    say("edges: %u files written at once, %u failures", EDGES_FILES, failed);
    return failed;
}

static void edges_phase(void) {
    say("edges phase");
    i64 back = sys_rename(EDGES_INIT_AWAY_PATH, EDGES_INIT_PATH); // moved away by the previous boot
    say("edges: /bin/init put back: %ld %s", (long)back, error_name(back));
    u32 unexpected = back < 0 && back != -E_NOENT ? 1 : 0;
    unexpected += edges_limits();
    unexpected += run_sequential(edges_audit_jobs, JOBS_COUNT(edges_audit_jobs));
    unexpected += edges_audit_log_tamper(); // the log exists now
    unexpected += edges_buffers();
    unexpected += run_sequential(edges_trap_jobs, JOBS_COUNT(edges_trap_jobs));
    say("edges phase done, %u unexpected", unexpected);
    report_check("init edges phase", unexpected, INIT_JOB_EXCUSES);
}
