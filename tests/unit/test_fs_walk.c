// The path walk and the inode record on a real booted kernel (one simulated node with
// a blank disk, first boot done), for what the user programs cannot reach: the
// physical path the walk keeps, its bounds (PATH_COMPONENTS_MAX deep, the spliced
// text of nested symlinks), parent links and ancestry, link counts as the namespace
// calls keep them, the record's own checks, and /etc/group's parser.
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/users/accounts.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_sim.h"
#include "kernel/fs/internal.h"
#include "kernel/users/internal.h"

#define DISK_BYTES (16ull << 20)
#define STEPS_MAX 200000u
#define LONG_FILLER_BYTES 200u

static struct sim *boot_node(void) {
    return unit_sim_boot_mounted(11, STEPS_MAX, DISK_BYTES, "init.rounds=0 init.end=idle loglevel=error", false);
}

static struct cred root;

// Makes text (a directory or, with content, a symlink) as root.
static i64 make(struct kernel *k, const char *text, u32 type, const char *content) {
    struct fs_name name;
    struct fs_inode inode;
    i64 result = fs_walk(k, &root, FS_ROOT_INODE, text, 0, &name);
    return result < 0 ? result : fs_make(k, &root, &name, type, type == ABI_TYPE_SYMLINK ? 0777 : 0755, content, &inode);
}

static i64 walk(struct kernel *k, const char *text, u32 flags, struct fs_name *out) {
    return fs_walk(k, &root, FS_ROOT_INODE, text, flags, out);
}

static bool path_is(const struct path *path, const char *expected) {
    char text[PATH_LEN_MAX];
    return path_format(path, text, sizeof text) >= 0 && strcmp(text, expected) == 0;
}

static void test_walk(struct kernel *k) {
    static struct fs_name name; // large: keep it off the stack
    UNIT_CHECK("walk_setup", make(k, "/w", ABI_TYPE_DIRECTORY, NULL) == 0 && make(k, "/w/a", ABI_TYPE_DIRECTORY, NULL) == 0 &&
                                 make(k, "/w/l", ABI_TYPE_SYMLINK, "a/b/..") == 0 &&
                                 make(k, "/w/a/b", ABI_TYPE_DIRECTORY, NULL) == 0 &&
                                 make(k, "/w/loop", ABI_TYPE_SYMLINK, "loop") == 0);
    UNIT_CHECK("walk_follow_physical_path", walk(k, "/w/l", FS_WALK_LOOKUP | FS_WALK_FOLLOW, &name) == 0 &&
                                                path_is(&name.path, "/w/a") && name.links == 1);
    UNIT_CHECK("walk_no_follow_names_the_link", walk(k, "/w/l", FS_WALK_LOOKUP, &name) == 0 &&
                                                    name.inode.type == ABI_TYPE_SYMLINK && path_is(&name.path, "/w/l"));
    UNIT_CHECK("walk_dots", walk(k, "/w/a/../a/./b/..", FS_WALK_LOOKUP, &name) == 0 &&
                                name.last == FS_LAST_DOTDOT && path_is(&name.path, "/w/a"));
    UNIT_CHECK("walk_root", walk(k, "//", FS_WALK_LOOKUP, &name) == 0 && name.last == FS_LAST_ROOT &&
                                name.inode.inode == FS_ROOT_INODE && name.path.count == 0);
    UNIT_CHECK("walk_missing_is_a_name", walk(k, "/w/new", 0, &name) == 0 && !name.exists &&
                                             path_is(&name.path, "/w/new") && str_equal(name.name, "new"));
    UNIT_CHECK("walk_loop", walk(k, "/w/loop", FS_WALK_FOLLOW, &name) == -E_LOOP);
    UNIT_CHECK("walk_removed_cwd", fs_walk(k, &root, 0, "x", 0, &name) == -E_NOENT);
    struct fs_name a;
    UNIT_CHECK("walk_relative", walk(k, "/w/a", FS_WALK_LOOKUP, &a) == 0 &&
                                    fs_walk(k, &root, a.inode.inode, "../l", FS_WALK_LOOKUP | FS_WALK_FOLLOW, &name) == 0 &&
                                    path_is(&name.path, "/w/a"));
    char text[PATH_LEN_MAX + 1];
    memset(text, 'a', sizeof text);
    text[0] = '/';
    text[PATH_LEN_MAX] = '\0';
    UNIT_CHECK("walk_text_too_long", walk(k, text, 0, &name) == -E_NAMETOOLONG);
    UNIT_CHECK("walk_empty", walk(k, "", 0, &name) == -E_NOENT);
}

// A physical path deeper than PATH_COMPONENTS_MAX cannot be named.
static void test_depth(struct kernel *k) {
    char text[PATH_LEN_MAX] = "";
    i64 result = 0;
    u32 made = 0;
    for (; made < PATH_COMPONENTS_MAX && result == 0; made++) {
        strcat(text, "/d");
        result = make(k, text, ABI_TYPE_DIRECTORY, NULL);
    }
    UNIT_CHECK("depth_max_made", result == 0 && made == PATH_COMPONENTS_MAX);
    strcat(text, "/d");
    UNIT_CHECK("depth_one_more_is_too_long", make(k, text, ABI_TYPE_DIRECTORY, NULL) == -E_NAMETOOLONG);
    struct fs_name name;
    text[strlen(text) - 2] = '\0';
    struct path path;
    UNIT_CHECK("depth_directory_path", walk(k, text, FS_WALK_LOOKUP, &name) == 0 &&
                                           fs_directory_path(k, name.inode.inode, &path) == 0 &&
                                           path.count == PATH_COMPONENTS_MAX);
    bool above = false;
    UNIT_CHECK("depth_ancestry", fs_is_ancestor(k, FS_ROOT_INODE, name.inode.inode, &above) == 0 && above);
    UNIT_CHECK("depth_not_ancestor", fs_is_ancestor(k, name.inode.inode, FS_ROOT_INODE, &above) == 0 && !above);
}

// Nested symlinks in the middle of a path grow the text to walk: bounded (each target
// adds "x/x/..."; without the bound the walk would end at the missing L6: E_NOENT).
static void test_splice_bound(struct kernel *k) {
    char target[FS_SYMLINK_BYTES_MAX + 1], link[32];
    bool made = make(k, "/s", ABI_TYPE_DIRECTORY, NULL) == 0;
    for (u32 i = 0; i < 6; i++) {
        snprintf(target, sizeof target, "L%u", i + 1);
        for (u32 at = 2; at < LONG_FILLER_BYTES; at += 2) memcpy(target + at, "/x", 2);
        target[LONG_FILLER_BYTES] = '\0';
        snprintf(link, sizeof link, "/s/L%u", i);
        made = made && make(k, link, ABI_TYPE_SYMLINK, target) == 0;
    }
    struct fs_name name;
    UNIT_CHECK("splice_setup", made);
    UNIT_CHECK("splice_text_bounded", walk(k, "/s/L0/y", FS_WALK_LOOKUP, &name) == -E_NAMETOOLONG);
}

static void test_links(struct kernel *k) {
    struct fs_name old, new_name;
    struct fs_inode file;
    UNIT_CHECK("links_setup", make(k, "/n", ABI_TYPE_DIRECTORY, NULL) == 0 && walk(k, "/n/f", 0, &old) == 0 &&
                                  fs_create_name(k, &root, &old, ABI_TYPE_FILE, 0644, NULL, &file) == 0);
    UNIT_CHECK("links_new_file_one", file.nlink == 1);
    UNIT_CHECK("links_link", walk(k, "/n/f", FS_WALK_LOOKUP, &old) == 0 && walk(k, "/n/g", 0, &new_name) == 0 &&
                                 fs_link_name(k, &root, &old, &new_name) == 0);
    UNIT_CHECK("links_two", walk(k, "/n/g", FS_WALK_LOOKUP, &old) == 0 && old.inode.nlink == 2 &&
                                old.inode.inode == file.inode);
    UNIT_CHECK("links_dir_counts", walk(k, "/n", FS_WALK_LOOKUP, &old) == 0 && old.inode.nlink == 2);
    UNIT_CHECK("links_unlink", walk(k, "/n/f", 0, &old) == 0 && fs_unlink_name(k, &root, &old, ABI_TYPE_FILE) == 0);
    UNIT_CHECK("links_one_left", walk(k, "/n/g", FS_WALK_LOOKUP, &old) == 0 && old.inode.nlink == 1);
    UNIT_CHECK("links_no_directory", walk(k, "/n", FS_WALK_LOOKUP, &old) == 0 && walk(k, "/n2", 0, &new_name) == 0 &&
                                         fs_link_name(k, &root, &old, &new_name) == -E_PERM);
    UNIT_CHECK("links_mkdir_counts_parent", make(k, "/n/sub", ABI_TYPE_DIRECTORY, NULL) == 0 &&
                                                walk(k, "/n", FS_WALK_LOOKUP, &old) == 0 && old.inode.nlink == 3);
}

static void test_record(void) {
    struct fs_inode in, out;
    memset(&in, 0, sizeof in);
    in.inode = 9;
    in.type = ABI_TYPE_FILE;
    in.mode = 04755;
    in.nlink = 3;
    in.atime_ns = 1;
    in.mtime_ns = 2;
    in.ctime_ns = 3;
    u8 bytes[FS_INODE_RECORD_BYTES];
    u32 size = fs_inode_encode(&in, bytes);
    UNIT_CHECK("record_round_trip", fs_inode_decode(bytes, size, &out) == 0 && out.nlink == 3 && out.atime_ns == 1 &&
                                        out.mtime_ns == 2 && out.ctime_ns == 3 && out.mode == 04755);
    in.nlink = 0;
    fs_inode_encode(&in, bytes);
    UNIT_CHECK("record_no_links_refused", fs_inode_decode(bytes, size, &out) == -E_BADMSG);
    in.nlink = 1;
    in.type = ABI_TYPE_DIRECTORY;
    fs_inode_encode(&in, bytes);
    UNIT_CHECK("record_directory_one_link_refused", fs_inode_decode(bytes, size, &out) == -E_BADMSG);
    in.type = ABI_TYPE_SYMLINK;
    fs_inode_encode(&in, bytes);
    UNIT_CHECK("record_empty_symlink_refused", fs_inode_decode(bytes, size, &out) == -E_BADMSG);
    in.size_bytes = FS_SYMLINK_BYTES_MAX + 1;
    in.chunk_count = 1;
    fs_inode_encode(&in, bytes);
    UNIT_CHECK("record_long_symlink_refused", fs_inode_decode(bytes, size, &out) == -E_BADMSG);
    UNIT_CHECK("record_short_refused", fs_inode_decode(bytes, FS_INODE_BASE_BYTES, &out) == -E_BADMSG);
}

static void test_groups(void) {
    struct accounts accounts;
    memset(&accounts, 0, sizeof accounts);
    accounts.count = 2;
    accounts.entries[0] = (struct account){.uid = 0, .gid = 0, .groups_count = 1, .groups = {0}, .name = "root"};
    accounts.entries[1] = (struct account){.uid = 1000, .gid = 1000, .groups_count = 1, .groups = {1000}, .name = "xy"};
    char text[] = "root:x:0:\nusers:x:100:xy,root\nbad line\nwheel:x:10:nobody,xy\nxy:x:1000:xy\nodd:x:1x:xy\n";
    accounts_parse_group(text, &accounts);
    const struct account *xy = &accounts.entries[1], *r = &accounts.entries[0];
    UNIT_CHECK("groups_xy", xy->groups_count == 3 && xy->groups[0] == 1000 && xy->groups[1] == 100 && xy->groups[2] == 10);
    UNIT_CHECK("groups_root", r->groups_count == 2 && r->groups[1] == 100);
    char many[2048] = "";
    for (u32 i = 0; i < GROUPS_MAX + 4; i++) {
        char line[32];
        snprintf(line, sizeof line, "g%u:x:%u:xy\n", i, 2000 + i);
        strcat(many, line);
    }
    accounts_parse_group(many, &accounts);
    UNIT_CHECK("groups_bounded", xy->groups_count == GROUPS_MAX);
}

// Completing an interrupted first boot keeps the root the last attempt made. A root
// record that cannot be read (every sector latent: reads fail with -E_IO) is the
// mount's error: an empty root written over it (the old code) orphaned every
// directory made before (basin-sim seed 8, storage-fsck-unrestricted).
static void test_make_root_keeps_an_unreadable_root(struct sim *sim) {
    struct platform *node = sim->nodes[0];
    struct kernel *k = &node->kernel;
    struct fs_inode before, after;
    UNIT_CHECK("make_root_setup", fs_read_inode(k, FS_ROOT_INODE, &before) == 0 && before.nlink > 2);
    u64 seq = graindb_commit_seq(&k->fs.db);
    UNIT_CHECK("make_root_keeps_a_readable_root", fs_make_root(k) == 0 && graindb_commit_seq(&k->fs.db) == seq);
    disk_mark(&node->disk, 0, node->disk.sector_count, DISK_SECTOR_LATENT);
    i64 result = fs_make_root(k);
    memset(node->disk.sector_flags, 0, node->disk.sector_count); // no faults are on: nothing else was flagged
    UNIT_CHECK("make_root_unreadable_is_an_error", result == -E_IO);
    UNIT_CHECK("make_root_unreadable_writes_nothing", graindb_commit_seq(&k->fs.db) == seq);
    UNIT_CHECK("make_root_unreadable_root_intact", fs_read_inode(k, FS_ROOT_INODE, &after) == 0 &&
                                                       after.nlink == before.nlink && after.version == before.version);
}

int main(void) {
    root = cred_of_user(ABI_UID_ROOT);
    test_record();
    test_groups();
    struct sim *sim = boot_node();
    struct kernel *k = &sim->nodes[0]->kernel;
    test_walk(k);
    test_depth(k);
    test_splice_bound(k);
    test_links(k);
    test_make_root_keeps_an_unreadable_root(sim);
    sim_destroy(sim);
    UNIT_EXIT();
}
