/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue_fault — a test hook that makes the store's disk fail, to prove that a full disk or an
 * I/O error loses nothing already accepted (SQLite's own fault-injection idea, at the VFS).
 *
 * When the environment variable LOA_FAULT_STORE is set when the store is opened, the store
 * is opened through a VFS shim that forwards everything to the default VFS but fails writes,
 * truncates and syncs while a fault is active:
 *   LOA_FAULT_STORE=full-if-exists:PATH   disk full (SQLITE_FULL) while the file PATH exists
 *   LOA_FAULT_STORE=ioerr-if-exists:PATH  I/O error (SQLITE_IOERR_WRITE) while PATH exists
 *   LOA_FAULT_STORE=full-after:N          disk full from the N-th write on
 * Tests create and remove PATH to take the space away and give it back while loagw runs.
 * Without the variable nothing here is used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "queue/queue_int.h"

#define QUEUE_FAULT_VFS "loa-fault"

struct fault_file {
	sqlite3_file base;   /* must be first: SQLite sees this */
	sqlite3_file *real;  /* the default VFS's file, allocated after ours */
};

static sqlite3_vfs fault_vfs;
static sqlite3_vfs *fault_real_vfs;
static char fault_path[512];
static int fault_code = SQLITE_FULL;
static long fault_after = -1;
static long fault_writes;

static bool
fault_active(void)
{
	if (fault_after >= 0)
		return ++fault_writes >= fault_after;
	return fault_path[0] && access(fault_path, F_OK) == 0;
}

static int
fault_close(sqlite3_file *f)
{
	struct fault_file *ff = (struct fault_file *)f;
	int rc = ff->real->pMethods ? ff->real->pMethods->xClose(ff->real) : SQLITE_OK;
	return rc;
}

static int
fault_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xRead(ff->real, buf, n, off);
}

static int
fault_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	struct fault_file *ff = (struct fault_file *)f;
	if (fault_active())
		return fault_code;
	return ff->real->pMethods->xWrite(ff->real, buf, n, off);
}

static int
fault_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct fault_file *ff = (struct fault_file *)f;
	if (fault_active())
		return fault_code == SQLITE_FULL ? SQLITE_FULL : SQLITE_IOERR_TRUNCATE;
	return ff->real->pMethods->xTruncate(ff->real, size);
}

static int
fault_sync(sqlite3_file *f, int flags)
{
	struct fault_file *ff = (struct fault_file *)f;
	if (fault_path[0] && access(fault_path, F_OK) == 0)
		return fault_code == SQLITE_FULL ? SQLITE_FULL : SQLITE_IOERR_FSYNC;
	return ff->real->pMethods->xSync(ff->real, flags);
}

#define FAULT_FWD(name, sig, args)                                                                \
	static int fault_##name sig                                                                \
	{                                                                                          \
		struct fault_file *ff = (struct fault_file *)f;                                    \
		return ff->real->pMethods->x##name args;                                           \
	}
FAULT_FWD(FileSize, (sqlite3_file *f, sqlite3_int64 *size), (ff->real, size))
FAULT_FWD(Lock, (sqlite3_file *f, int lock), (ff->real, lock))
FAULT_FWD(Unlock, (sqlite3_file *f, int lock), (ff->real, lock))
FAULT_FWD(CheckReservedLock, (sqlite3_file *f, int *out), (ff->real, out))
FAULT_FWD(FileControl, (sqlite3_file *f, int op, void *arg), (ff->real, op, arg))
FAULT_FWD(ShmMap, (sqlite3_file *f, int pg, int sz, int ext, void volatile **pp),
	  (ff->real, pg, sz, ext, pp))
FAULT_FWD(ShmLock, (sqlite3_file *f, int off, int n, int flags), (ff->real, off, n, flags))
FAULT_FWD(ShmUnmap, (sqlite3_file *f, int del), (ff->real, del))
FAULT_FWD(Fetch, (sqlite3_file *f, sqlite3_int64 off, int amt, void **pp), (ff->real, off, amt, pp))
FAULT_FWD(Unfetch, (sqlite3_file *f, sqlite3_int64 off, void *p), (ff->real, off, p))

static int
fault_SectorSize(sqlite3_file *f)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xSectorSize(ff->real);
}

static int
fault_DeviceCharacteristics(sqlite3_file *f)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xDeviceCharacteristics(ff->real);
}

static void
fault_ShmBarrier(sqlite3_file *f)
{
	struct fault_file *ff = (struct fault_file *)f;
	ff->real->pMethods->xShmBarrier(ff->real);
}

static const sqlite3_io_methods fault_io = {
	.iVersion = 3,
	.xClose = fault_close,
	.xRead = fault_read,
	.xWrite = fault_write,
	.xTruncate = fault_truncate,
	.xSync = fault_sync,
	.xFileSize = fault_FileSize,
	.xLock = fault_Lock,
	.xUnlock = fault_Unlock,
	.xCheckReservedLock = fault_CheckReservedLock,
	.xFileControl = fault_FileControl,
	.xSectorSize = fault_SectorSize,
	.xDeviceCharacteristics = fault_DeviceCharacteristics,
	.xShmMap = fault_ShmMap,
	.xShmLock = fault_ShmLock,
	.xShmBarrier = fault_ShmBarrier,
	.xShmUnmap = fault_ShmUnmap,
	.xFetch = fault_Fetch,
	.xUnfetch = fault_Unfetch,
};

static int
fault_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	struct fault_file *ff = (struct fault_file *)f;
	int rc;

	ff->real = (sqlite3_file *)(ff + 1);
	memset(ff->real, 0, (size_t)fault_real_vfs->szOsFile);
	rc = fault_real_vfs->xOpen(fault_real_vfs, name, ff->real, flags, out_flags);
	/* xClose is called even when xOpen fails, if pMethods is set */
	f->pMethods = ff->real->pMethods ? &fault_io : NULL;
	return rc;
}

#define FAULT_VFS_FWD(name, sig, args)                                                            \
	static int fault_vfs_##name sig { return fault_real_vfs->x##name args; }
FAULT_VFS_FWD(Delete, (sqlite3_vfs *v, const char *n, int sync), (fault_real_vfs, n, sync))
FAULT_VFS_FWD(Access, (sqlite3_vfs *v, const char *n, int fl, int *out), (fault_real_vfs, n, fl, out))
FAULT_VFS_FWD(FullPathname, (sqlite3_vfs *v, const char *n, int len, char *out),
	      (fault_real_vfs, n, len, out))
FAULT_VFS_FWD(Randomness, (sqlite3_vfs *v, int n, char *out), (fault_real_vfs, n, out))
FAULT_VFS_FWD(Sleep, (sqlite3_vfs *v, int us), (fault_real_vfs, us))
FAULT_VFS_FWD(CurrentTimeInt64, (sqlite3_vfs *v, sqlite3_int64 *t), (fault_real_vfs, t))
FAULT_VFS_FWD(GetLastError, (sqlite3_vfs *v, int n, char *out), (fault_real_vfs, n, out))

static int
fault_vfs_CurrentTime(sqlite3_vfs *v, double *t)
{
	return fault_real_vfs->xCurrentTime(fault_real_vfs, t);
}

/*
 * The VFS name to open the store with: "loa-fault" when LOA_FAULT_STORE asks for faults (the
 * shim is registered on first use), else NULL (the default VFS).
 */
const char *
queue_fault_vfs(void)
{
	const char *spec = getenv("LOA_FAULT_STORE");

	if (!spec || !*spec)
		return NULL;
	if (fault_real_vfs)
		return QUEUE_FAULT_VFS;
	if (strncmp(spec, "full-if-exists:", 15) == 0) {
		snprintf(fault_path, sizeof(fault_path), "%s", spec + 15);
	} else if (strncmp(spec, "ioerr-if-exists:", 16) == 0) {
		snprintf(fault_path, sizeof(fault_path), "%s", spec + 16);
		fault_code = SQLITE_IOERR_WRITE;
	} else if (strncmp(spec, "full-after:", 11) == 0) {
		fault_after = strtol(spec + 11, NULL, 10);
	} else {
		LOG(LOG_ERROR, QUEUE_LOG, "LOA_FAULT_STORE=%s: not understood; no faults injected",
		    spec);
		return NULL;
	}
	fault_real_vfs = sqlite3_vfs_find(NULL);
	if (!fault_real_vfs)
		return NULL;
	fault_vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)sizeof(struct fault_file) + fault_real_vfs->szOsFile,
		.mxPathname = fault_real_vfs->mxPathname,
		.zName = QUEUE_FAULT_VFS,
		.xOpen = fault_open,
		.xDelete = fault_vfs_Delete,
		.xAccess = fault_vfs_Access,
		.xFullPathname = fault_vfs_FullPathname,
		.xDlOpen = NULL,
		.xDlError = NULL,
		.xDlSym = NULL,
		.xDlClose = NULL,
		.xRandomness = fault_vfs_Randomness,
		.xSleep = fault_vfs_Sleep,
		.xCurrentTime = fault_vfs_CurrentTime,
		.xGetLastError = fault_vfs_GetLastError,
		.xCurrentTimeInt64 = fault_vfs_CurrentTimeInt64,
	};
	if (sqlite3_vfs_register(&fault_vfs, 0) != SQLITE_OK)
		return NULL;
	LOG(LOG_WARN, QUEUE_LOG, "store fault injection on: LOA_FAULT_STORE=%s", spec);
	return QUEUE_FAULT_VFS;
}
