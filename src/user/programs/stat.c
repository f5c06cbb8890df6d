// stat: prints what the filesystem knows of each PATH: type, mode, link count, owner,
// group, size, inode, and the three times (realtime, UTC, to the nanosecond). Like
// Unix stat, a symbolic link is described itself (lstat), with its target; -L
// describes what it points to instead.
//   File: /home/xy/notes -> a
//   Type: symbolic link  Mode: 0777 (lrwxrwxrwx)  Links: 1  Inode: 42
//    Uid: 1000  Gid: 1000  Size: 1
// Access: 2026-01-31 12:00:00.000000000 UTC
// Modify: ...   (content)        Change: ...   (inode)
#include <stdio.h>
#include <string.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("stat");

#define NS_PER_S 1000000000ull
#define S_PER_DAY 86400ull
#define DAYS_BEFORE_1970_FROM_0000_03_01 719468ull // days from 0000-03-01 to 1970-01-01
#define DAYS_PER_400_YEARS 146097ull
#define PERMISSION_BITS 9u
#define TIME_TEXT_BYTES 96 // room for any u64 year the format could print

static const char usage[] = "usage: stat [-L] PATH...\n"
                            "Prints type, mode, links, owner, group, size, inode and times of each\n"
                            "PATH (a symbolic link itself; -L: what it points to).\n"
                            "  -L  follow a symbolic link\n";

// Year, month and day of a count of days since 1970-01-01 (the proleptic Gregorian
// calendar, counted in 400-year eras that start on March 1st).
static void civil_date(u64 days, u64 *year, u64 *month, u64 *day) {
    u64 z = days + DAYS_BEFORE_1970_FROM_0000_03_01;
    u64 era = z / DAYS_PER_400_YEARS;
    u64 day_of_era = z - era * DAYS_PER_400_YEARS;
    u64 year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    u64 day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    u64 month_from_march = (5 * day_of_year + 2) / 153;
    *day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    *month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
    *year = year_of_era + era * 400 + (*month <= 2 ? 1 : 0);
}

static void format_time(u64 time_ns, char *out, u64 capacity) {
    u64 seconds = time_ns / NS_PER_S, days = seconds / S_PER_DAY, second_of_day = seconds % S_PER_DAY;
    u64 year = 0, month = 0, day = 0;
    civil_date(days, &year, &month, &day);
    snprintf(out, capacity, "%04lu-%02lu-%02lu %02lu:%02lu:%02lu.%09lu UTC", (unsigned long)year,
             (unsigned long)month, (unsigned long)day, (unsigned long)(second_of_day / 3600),
             (unsigned long)(second_of_day / 60 % 60), (unsigned long)(second_of_day % 60),
             (unsigned long)(time_ns % NS_PER_S));
}

static const char *type_name(u32 type, char *letter) {
    switch (type) {
    case ABI_TYPE_FILE: *letter = '-'; return "regular file";
    case ABI_TYPE_DIRECTORY: *letter = 'd'; return "directory";
    case ABI_TYPE_SYMLINK: *letter = 'l'; return "symbolic link";
    case ABI_TYPE_CHAR: *letter = 'c'; return "character device";
    default: *letter = '?'; return "unknown";
    }
}

// "rwxr-xr-x" with s/S and t/T for the set-ID and sticky bits, as ls shows them.
static void mode_letters(u32 mode, char letter, char out[PERMISSION_BITS + 2]) {
    static const char rwx[] = "rwxrwxrwx";
    out[0] = letter;
    for (u32 bit = 0; bit < PERMISSION_BITS; bit++) {
        out[1 + bit] = (mode & (1u << (PERMISSION_BITS - 1 - bit))) ? rwx[bit] : '-';
    }
    if (mode & ABI_MODE_SETUID) out[3] = out[3] == 'x' ? 's' : 'S';
    if (mode & ABI_MODE_SETGID) out[6] = out[6] == 'x' ? 's' : 'S';
    if (mode & ABI_MODE_STICKY) out[9] = out[9] == 'x' ? 't' : 'T';
    out[PERMISSION_BITS + 1] = '\0';
}

static bool stat_one(const char *path, bool follow) {
    struct abi_stat st;
    memset(&st, 0, sizeof st);
    i64 result = follow ? sys_stat(path, &st) : sys_lstat(path, &st);
    if (result < 0) {
        tool_complain(path, result);
        return false;
    }
    char target[ABI_PATH_LEN_MAX + 5] = "";
    if (st.type == ABI_TYPE_SYMLINK) {
        strcpy(target, " -> ");
        i64 length = sys_readlink(path, target + 4, ABI_PATH_LEN_MAX);
        target[length > 0 ? 4 + length : 0] = '\0';
    }
    char letter = '?', letters[PERMISSION_BITS + 2], atime[TIME_TEXT_BYTES], mtime[TIME_TEXT_BYTES], ctime[TIME_TEXT_BYTES];
    const char *type = type_name(st.type, &letter);
    mode_letters(st.mode, letter, letters);
    format_time(st.atime_ns, atime, sizeof atime);
    format_time(st.mtime_ns, mtime, sizeof mtime);
    format_time(st.ctime_ns, ctime, sizeof ctime);
    result = tool_print(BASIN_FD_STDOUT,
                        "  File: %s%s\n  Type: %s  Mode: %04o (%s)  Links: %u  Inode: %lu\n"
                        "   Uid: %u  Gid: %u  Size: %lu\nAccess: %s\nModify: %s\nChange: %s\n",
                        path, target, type, (unsigned)st.mode, letters, (unsigned)st.nlink,
                        (unsigned long)st.inode, (unsigned)st.uid, (unsigned)st.gid,
                        (unsigned long)st.size_bytes, atime, mtime, ctime);
    return result >= 0;
}

// Options by hand: -L is upper case, which tool_options (lower-case letters) has not.
int main(int argc, char **argv) {
    bool follow = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1] != '\0'; first++) {
        if (strcmp(argv[first], "--") == 0) { first++; break; }
        if (strcmp(argv[first], "--help") == 0) { tool_print(BASIN_FD_STDOUT, "%s", usage); return TOOL_EXIT_OK; }
        if (strcmp(argv[first], "-L") != 0) tool_usage_error(usage, "unknown option %s", argv[first]);
        follow = true;
    }
    if (first >= argc) tool_usage_error(usage, "need at least one PATH");
    bool ok = true;
    for (int i = first; i < argc; i++) ok = stat_one(argv[i], follow) && ok;
    return ok ? TOOL_EXIT_OK : TOOL_EXIT_FAILED;
}
