// The services of the first boot, in /etc/z6 (kernel/z6/z6host.h hosts them): few and
// cheap, so that every default run exercises the supervisor at little cost (each live
// process costs the simulator's invariants a page-table walk per step):
//   ticker   runs forever
//   web      exits 0 after 300 ms and is restarted (restart always), as xy, after ticker
//   crasher  crashes after 200 ms, restarted after 1500 ms (on-failure) until its crash
//            limit (4 a minute) makes it failed; its finish prints its arguments
//   standby  down: not started at boot Their run and finish are
// "#!" lines naming /test/z6svc (src/user/tests/z6svc.c).
//   getty    the console's login prompt (/bin/login), restarted after every session
//            (restart always). down: nobody types at the simulator's console and many
//            tests read it, so init starts it only when the boot asks for a console
//            login (init.end=login: z6ctl start getty). A wrong password makes login
//            exit 1, a crash to z6: the crash limit (32 within 1 s, which its 1 s
//            restart delay never allows) keeps a guesser from making it failed.
// Written again when resuming.
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
    "/etc/z6", "/etc/z6/crasher", "/etc/z6/standby", "/etc/z6/ticker", "/etc/z6/web", "/etc/z6/getty",
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
    {"/etc/z6/getty/run", PROVISION_Z6_PROGRAM_MODE, "#!/bin/login\n"},
    {"/etc/z6/getty/down", PROVISION_Z6_FILE_MODE, ""},
    {"/etc/z6/getty/crash-limit", PROVISION_Z6_FILE_MODE, "32 1000\n"},
};

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

i64 provision_z6(struct kernel *k) {
    assert(k != NULL);
    for (u32 i = 0; i < ARRAY_COUNT(z6_directories); i++) {
        struct fs_inode inode;
        i64 made = fs_create_at(k, z6_directories[i], ABI_TYPE_DIRECTORY, PROVISION_Z6_DIRECTORY_MODE, &inode);
        if (made < 0 && made != -E_EXIST) return made;
    }
    for (u32 i = 0; i < ARRAY_COUNT(z6_files); i++) {
        const struct z6_file *file = &z6_files[i];
        u64 length = str_len_bounded(file->text, sizeof file->text);
        assert(length < sizeof file->text);
        if (provision_z6_written(k, file, length)) continue;
        i64 written = fs_write_file_as_root(k, file->path, file->mode, (const u8 *)file->text, length);
        if (written < 0) return written;
    }
    return 0;
}
