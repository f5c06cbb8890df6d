// GrainDB over the host file device: format, write, close, reopen from the file.
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/graindb/filedev.h"
#include "subsystems/graindb/graindb.h"

static struct graindb db;

int main(int argc, char **argv) {
    char default_path[64];
    snprintf(default_path, sizeof(default_path), "build/graindb-filedev-%d.img", (int)getpid());
    const char *path = argc > 1 ? argv[1] : default_path; // per process: variants run side by side
    struct platform dev;
    int failures = 0;
    if (filedev_open(&dev, path, 8192, false) != 0) {
        printf("not ok filedev_open - cannot create %s\n", path);
        return 1;
    }
    long long rc = graindb_format(&db, &dev, 77);
    if (rc == 0) rc = graindb_open(&db, &dev);
    for (int i = 0; i < 50 && rc == 0; i++) {
        char key[24], value[100];
        snprintf(key, sizeof(key), "file-key-%07d", i); // 16 bytes of key
        memset(value, 'a' + i % 26, sizeof(value));
        rc = graindb_set(&db, (const u8 *)key, 16, (const u8 *)value, sizeof(value));
    }
    if (rc == 0) rc = graindb_close(&db);
    filedev_close(&dev);
    if (rc != 0) failures++;
    printf("%s filedev_write_and_close%s\n", rc == 0 ? "ok" : "not ok", rc == 0 ? "" : " - error");
    rc = filedev_open(&dev, path, 8192, false);
    if (rc == 0) rc = graindb_open(&db, &dev);
    int bad = 0;
    for (int i = 0; i < 50 && rc == 0; i++) {
        char key[24], value[100], got[100];
        u32 size = 0;
        snprintf(key, sizeof(key), "file-key-%07d", i);
        memset(value, 'a' + i % 26, sizeof(value));
        if (graindb_ref_read(&db, (const u8 *)key, 16, (u8 *)got, sizeof(got), &size) != 0 || size != 100 ||
            memcmp(got, value, 100) != 0) bad++;
    }
    struct graindb_verify_report report;
    if (rc == 0 && graindb_verify(&db, &report) != 0) bad++;
    filedev_close(&dev);
    unlink(path);
    if (rc != 0 || bad != 0) failures++;
    printf("%s filedev_reopen_reads_back%s\n", rc == 0 && bad == 0 ? "ok" : "not ok",
           rc == 0 && bad == 0 ? "" : " - values or fsck differ");
    return failures == 0 ? 0 : 1;
}
