// The services of the first boot, in /etc/z6 (kernel/z6/z6host.h hosts them): few and
// cheap, so that every default run exercises the supervisor at little cost (each live
// process costs the simulator's invariants a page-table walk per step):
//   ticker   runs forever
//   web      exits 0 after 300 ms and is restarted (restart always), as xy, after ticker
//   crasher  crashes after 200 ms, restarted after 1500 ms (on-failure) until its crash
//            limit (4 a minute) makes it failed; its finish prints its arguments
//   printer  prints 60 lines at once (as xy), into a log of 512-byte files, 2 archives
//   notifier says it is ready on its notification-fd 3 after 100 ms
//   waiter   depends on notifier: starts once notifier is ready
//   standby  down: not started at boot
//   getty    the console's login prompt (/bin/login), restarted after every session
//            (restart always). down: nobody types at the simulator's console and many
//            tests read it, so init starts it only when the boot asks for a console
//            login (init.end=login: z6ctl start getty). A wrong password makes login
//            exit 1, a crash to z6: the crash limit (32 within 1 s, which its 1 s
//            restart delay never allows) keeps a guesser from making it failed.
// Sets of services that only a boot argument asks for (not in the default run):
//   z6.set=s6compare  s6crash (exits 1 at once, with finish) and s6always (exits 0 at
//                     once, restart always, with finish), s6signal (killed by signal
//                     4 at once, with finish), s6's defaults otherwise: the same
//                     services tests/t_z6_s6.sh runs under the real s6
//   z6.set=respawn    respawn: exits 1 at once, restart-delay-ms 0, crash limit 32 a
//                     minute (the bench's crash-to-respawn time on QEMU)
//   z6.set=chaos      nine services that crash, fail, hang on stop, depend and
//                     command each other (the simulator's scenarios/z6.scenario)
//   z6.set=zix        zixroot and zixxy: the conductors of the simulator's Zix
//                     scenario (scenarios/zix.scenario), as root and as xy
//   z6.set=replica    replroot and replxy: the replicated keyspace's clients
//                     (src/user/tests/replicaclient.c), as root and as xy
// Their run and finish are "#!" lines naming /test/z6svc (src/user/tests/z6svc.c),
// getty's /bin/login. Written again when resuming.
#include "kernel/boot/internal.h"

#include "kernel/fs/fs.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"

#define PROVISION_Z6_DIRECTORY_MODE 0755
#define PROVISION_Z6_FILE_MODE 0644
#define PROVISION_Z6_PROGRAM_MODE 0755

struct z6_file {
    char path[40];
    u32 mode;
    char text[40];
};

static const char z6_directories[][24] = {
    "/etc/z6", "/etc/z6/crasher", "/etc/z6/standby", "/etc/z6/ticker", "/etc/z6/web",
    "/etc/z6/printer", "/etc/z6/notifier", "/etc/z6/waiter", "/etc/z6/getty",
};

static const struct z6_file z6_files[] = {
    {"/etc/z6/ticker/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc forever\n"},
    {"/etc/z6/crasher/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc crash\n"},
    {"/etc/z6/crasher/finish", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc finish\n"},
    {"/etc/z6/crasher/restart", PROVISION_Z6_FILE_MODE, "on-failure\n"},
    {"/etc/z6/crasher/restart-delay-ms", PROVISION_Z6_FILE_MODE, "1500\n"},
    {"/etc/z6/crasher/crash-limit", PROVISION_Z6_FILE_MODE, "4 60000\n"},
    {"/etc/z6/standby/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc forever\n"},
    {"/etc/z6/standby/down", PROVISION_Z6_FILE_MODE, ""},
    {"/etc/z6/web/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc exit\n"},
    {"/etc/z6/web/dependencies", PROVISION_Z6_FILE_MODE, "ticker\n"},
    {"/etc/z6/web/user", PROVISION_Z6_FILE_MODE, "xy\n"},
    {"/etc/z6/printer/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc print\n"},
    {"/etc/z6/printer/user", PROVISION_Z6_FILE_MODE, "xy\n"},
    {"/etc/z6/printer/log-max-bytes", PROVISION_Z6_FILE_MODE, "512\n"},
    {"/etc/z6/printer/log-archives", PROVISION_Z6_FILE_MODE, "2\n"},
    {"/etc/z6/notifier/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc notify\n"},
    {"/etc/z6/notifier/notification-fd", PROVISION_Z6_FILE_MODE, "3\n"},
    {"/etc/z6/waiter/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc forever\n"},
    {"/etc/z6/waiter/dependencies", PROVISION_Z6_FILE_MODE, "notifier\n"},
    {"/etc/z6/getty/run", PROVISION_Z6_PROGRAM_MODE, "#!/bin/login\n"},
    {"/etc/z6/getty/down", PROVISION_Z6_FILE_MODE, ""},
    {"/etc/z6/getty/console", PROVISION_Z6_FILE_MODE, ""},
    {"/etc/z6/getty/crash-limit", PROVISION_Z6_FILE_MODE, "32 1000\n"},
};

#define PROVISION_Z6_SET_S6COMPARE "z6.set=s6compare"
#define PROVISION_Z6_SET_RESPAWN "z6.set=respawn"

static const char z6_s6compare_directories[][24] = {"/etc/z6/s6always", "/etc/z6/s6crash", "/etc/z6/s6signal"};

static const struct z6_file z6_s6compare_files[] = {
    {"/etc/z6/s6always/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc exit0\n"},
    {"/etc/z6/s6always/finish", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc finish-args\n"},
    {"/etc/z6/s6crash/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc exit1\n"},
    {"/etc/z6/s6crash/finish", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc finish-args\n"},
    {"/etc/z6/s6signal/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc crash-now\n"},
    {"/etc/z6/s6signal/finish", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc finish-args\n"},
};

static const char z6_respawn_directories[][24] = {"/etc/z6/respawn"};

static const struct z6_file z6_respawn_files[] = {
    {"/etc/z6/respawn/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc exit1\n"},
    {"/etc/z6/respawn/restart-delay-ms", PROVISION_Z6_FILE_MODE, "0\n"},
    {"/etc/z6/respawn/crash-limit", PROVISION_Z6_FILE_MODE, "32 60000\n"},
};

// The chaos set (boot argument z6.set=chaos, scenarios/z6.scenario), added to the
// above for the simulator's z6 invariants: short delays, small crash limits, several
// timeout-kill values. Sorted names give the index order, so app comes before db, its
// dependency:
//   app        always, after db; timeout-kill 300 ms
//   conductor  root; sends start/stop/restart/reset to the others every 200-500 ms
//   crashloop  on-failure, crashes after 100 ms, 3 crashes in 5 s make it failed;
//              finish (timeout-finish 400 ms)
//   db         always, timeout-kill 200 ms
//   flaky      on-failure, exits 1 after 250 ms, 5 crashes in 3 s
//   hang       always, ignores TERM (stop needs KILL after timeout-kill 250 ms)
//   oneshot    never, exits 0 after 300 ms
//   sleeper    down, after hang; timeout-kill 450 ms
//   worker     always, exits 0 after 300 ms, after db
static const char z6_chaos_directories[][24] = {
    "/etc/z6/app", "/etc/z6/conductor", "/etc/z6/crashloop", "/etc/z6/db", "/etc/z6/flaky",
    "/etc/z6/hang", "/etc/z6/oneshot", "/etc/z6/sleeper", "/etc/z6/worker",
};

static const struct z6_file z6_chaos_files[] = {
    {"/etc/z6/app/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc forever\n"},
    {"/etc/z6/app/dependencies", PROVISION_Z6_FILE_MODE, "db\n"},
    {"/etc/z6/app/restart-delay-ms", PROVISION_Z6_FILE_MODE, "200\n"},
    {"/etc/z6/app/timeout-kill", PROVISION_Z6_FILE_MODE, "300\n"},
    {"/etc/z6/conductor/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc conduct\n"},
    {"/etc/z6/conductor/restart-delay-ms", PROVISION_Z6_FILE_MODE, "100\n"},
    {"/etc/z6/crashloop/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc crash-fast\n"},
    {"/etc/z6/crashloop/finish", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc finish\n"},
    {"/etc/z6/crashloop/restart", PROVISION_Z6_FILE_MODE, "on-failure\n"},
    {"/etc/z6/crashloop/restart-delay-ms", PROVISION_Z6_FILE_MODE, "150\n"},
    {"/etc/z6/crashloop/crash-limit", PROVISION_Z6_FILE_MODE, "3 5000\n"},
    {"/etc/z6/crashloop/timeout-finish", PROVISION_Z6_FILE_MODE, "400\n"},
    {"/etc/z6/db/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc forever\n"},
    {"/etc/z6/db/restart-delay-ms", PROVISION_Z6_FILE_MODE, "300\n"},
    {"/etc/z6/db/timeout-kill", PROVISION_Z6_FILE_MODE, "200\n"},
    {"/etc/z6/flaky/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc fail\n"},
    {"/etc/z6/flaky/restart", PROVISION_Z6_FILE_MODE, "on-failure\n"},
    {"/etc/z6/flaky/restart-delay-ms", PROVISION_Z6_FILE_MODE, "250\n"},
    {"/etc/z6/flaky/crash-limit", PROVISION_Z6_FILE_MODE, "5 3000\n"},
    {"/etc/z6/hang/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc hang\n"},
    {"/etc/z6/hang/restart-delay-ms", PROVISION_Z6_FILE_MODE, "100\n"},
    {"/etc/z6/hang/timeout-kill", PROVISION_Z6_FILE_MODE, "250\n"},
    {"/etc/z6/oneshot/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc exit\n"},
    {"/etc/z6/oneshot/restart", PROVISION_Z6_FILE_MODE, "never\n"},
    {"/etc/z6/sleeper/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc forever\n"},
    {"/etc/z6/sleeper/down", PROVISION_Z6_FILE_MODE, ""},
    {"/etc/z6/sleeper/dependencies", PROVISION_Z6_FILE_MODE, "hang\n"},
    {"/etc/z6/sleeper/restart-delay-ms", PROVISION_Z6_FILE_MODE, "400\n"},
    {"/etc/z6/sleeper/timeout-kill", PROVISION_Z6_FILE_MODE, "450\n"},
    {"/etc/z6/worker/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/z6svc exit\n"},
    {"/etc/z6/worker/dependencies", PROVISION_Z6_FILE_MODE, "db\n"},
    {"/etc/z6/worker/restart-delay-ms", PROVISION_Z6_FILE_MODE, "100\n"},
};

#define PROVISION_Z6_SET_CHAOS "z6.set=chaos"

// The Zix set (boot argument z6.set=zix, scenarios/zix.scenario): two conductors of
// the store (src/user/tests/zixconductor.c), one root's, one xy's, restarted after
// every crash; they build, check, collect, verify and try to forge, at random.
static const char z6_zix_directories[][24] = {"/etc/z6/zixroot", "/etc/z6/zixxy"};

static const struct z6_file z6_zix_files[] = {
    {"/etc/z6/zixroot/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/zixconductor root\n"},
    {"/etc/z6/zixroot/restart-delay-ms", PROVISION_Z6_FILE_MODE, "200\n"},
    {"/etc/z6/zixxy/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/zixconductor xy\n"},
    {"/etc/z6/zixxy/user", PROVISION_Z6_FILE_MODE, "xy\n"},
    {"/etc/z6/zixxy/restart-delay-ms", PROVISION_Z6_FILE_MODE, "200\n"},
};

#define PROVISION_Z6_SET_ZIX "z6.set=zix"

// The replica set (boot argument z6.set=replica, issue 14): on every node one client of
// the replicated keyspace as root and one as xy (src/user/tests/replicaclient.c),
// restarted after every crash; they put, read and check at random, forever.
static const char z6_replica_directories[][24] = {"/etc/z6/replroot", "/etc/z6/replxy"};

static const struct z6_file z6_replica_files[] = {
    {"/etc/z6/replroot/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/replicaclient root\n"},
    {"/etc/z6/replroot/restart-delay-ms", PROVISION_Z6_FILE_MODE, "200\n"},
    {"/etc/z6/replxy/run", PROVISION_Z6_PROGRAM_MODE, "#!/test/replicaclient xy\n"},
    {"/etc/z6/replxy/user", PROVISION_Z6_FILE_MODE, "xy\n"},
    {"/etc/z6/replxy/restart-delay-ms", PROVISION_Z6_FILE_MODE, "200\n"},
};

#define PROVISION_Z6_SET_REPLICA "z6.set=replica"

// Already there, whole (an interrupted first boot wrote it): not written again, so a
// first boot resumed after power losses does not fill a small disk's log with copies.
static bool provision_z6_written(struct kernel *k, const struct z6_file *file, u64 length) {
    assert(file != NULL);
    assert(length < sizeof file->text);
    struct fs_inode inode;
    if (fs_lookup_at(k, file->path, &inode) < 0) return false;
    if (inode.type != ABI_TYPE_FILE || inode.size_bytes != length || inode.mode != file->mode) return false;
    u64 size = 0;
    if (fs_file_read_all(k, &inode, k->fs.program_buffer, sizeof k->fs.program_buffer, &size) < 0) return false;
    return size == length && mem_equal(k->fs.program_buffer, file->text, length);
}

static i64 provision_z6_table(struct kernel *k, const char (*directories)[24], u32 directory_count,
                              const struct z6_file *files, u32 file_count) {
    assert(k != NULL);
    assert(directory_count >= 1);
    for (u32 i = 0; i < directory_count; i++) {
        struct fs_inode inode;
        i64 made = fs_create_at(k, directories[i], ABI_TYPE_DIRECTORY, PROVISION_Z6_DIRECTORY_MODE, &inode);
        if (made < 0 && made != -E_EXIST) return made;
    }
    for (u32 i = 0; i < file_count; i++) {
        const struct z6_file *file = &files[i];
        u64 length = str_len_bounded(file->text, sizeof file->text);
        assert(length < sizeof file->text);
        if (provision_z6_written(k, file, length)) continue;
        i64 written = fs_write_file_as_root(k, file->path, file->mode, (const u8 *)file->text, length);
        if (written < 0) return written;
    }
    return 0;
}

// Is WORD one of the boot arguments (a whole word, space-separated)?
static bool provision_z6_boot_word(const struct kernel *k, const char *word) {
    assert(word != NULL);
    u64 length = str_len_bounded(word, BOOTARGS_LEN_MAX);
    assert(length > 0);
    for (const char *s = k->bootargs; *s != '\0'; s++) {
        bool starts_word = s == k->bootargs || s[-1] == ' ';
        if (!starts_word || !str_starts_with(s, word)) continue;
        if (s[length] == ' ' || s[length] == '\0') return true; // s holds the word: in bounds
    }
    return false;
}

i64 provision_z6(struct kernel *k) {
    assert(k != NULL);
    i64 result = provision_z6_table(k, z6_directories, ARRAY_COUNT(z6_directories), z6_files,
                                    ARRAY_COUNT(z6_files));
    if (result == 0 && provision_z6_boot_word(k, PROVISION_Z6_SET_S6COMPARE)) {
        result = provision_z6_table(k, z6_s6compare_directories, ARRAY_COUNT(z6_s6compare_directories),
                                    z6_s6compare_files, ARRAY_COUNT(z6_s6compare_files));
    }
    if (result == 0 && provision_z6_boot_word(k, PROVISION_Z6_SET_RESPAWN)) {
        result = provision_z6_table(k, z6_respawn_directories, ARRAY_COUNT(z6_respawn_directories),
                                    z6_respawn_files, ARRAY_COUNT(z6_respawn_files));
    }
    if (result == 0 && provision_z6_boot_word(k, PROVISION_Z6_SET_CHAOS)) {
        result = provision_z6_table(k, z6_chaos_directories, ARRAY_COUNT(z6_chaos_directories), z6_chaos_files,
                                    ARRAY_COUNT(z6_chaos_files));
    }
    if (result == 0 && provision_z6_boot_word(k, PROVISION_Z6_SET_ZIX)) {
        result = provision_z6_table(k, z6_zix_directories, ARRAY_COUNT(z6_zix_directories), z6_zix_files,
                                    ARRAY_COUNT(z6_zix_files));
    }
    if (result == 0 && provision_z6_boot_word(k, PROVISION_Z6_SET_REPLICA)) {
        result = provision_z6_table(k, z6_replica_directories, ARRAY_COUNT(z6_replica_directories),
                                    z6_replica_files, ARRAY_COUNT(z6_replica_files));
    }
    return result;
}
