/*
 * NAME
 *	map_guard - SIGSEGV/SIGBUS guard around Berkeley DB calls, and the
 *	grave of abandoned handles (see map_guard.h)
 * SYNOPSIS
 *	#include "map_guard.h"
 * DESCRIPTION
 *	Postfix tables carry no checksums and DB->verify reads the whole
 *	file (seconds per million entries), so instead every call that
 *	reads or writes pages runs here.  The jump buffer is thread-local;
 *	sigsetjmp() does not save the mask and the handler runs with
 *	SA_NODEFER, so a guarded call costs no system call and the signal
 *	stays unblocked after the jump.
 * DIAGNOSTICS
 *	None: a fault is reported to the caller by *faulted.
 * SEE ALSO
 *	map_guard.h, map_db.c (map_call()).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "map_guard.h"

/*
 * Under AddressSanitizer: a fault abandons, by design, whatever Berkeley
 * DB had allocated in the call it interrupted (pointers held only by the
 * frames the jump left), which LeakSanitizer would report and, at exit,
 * turn into status 23 (pipe(8) bounces on a status outside sysexits.h).
 * So what a guarded call allocates is not leak-checked; the handles
 * themselves (db_create, db_env_create: outside the guard) still are.
 */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAKCHECK_OFF()	__lsan_disable()
#define LEAKCHECK_ON()	__lsan_enable()
#else
#define LEAKCHECK_OFF()	((void)0)
#define LEAKCHECK_ON()	((void)0)
#endif

static _Thread_local sigjmp_buf *guard_jmp;
static struct sigaction guard_old_segv, guard_old_bus;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

static void *grave[MAP_GRAVE_MAX][2];
static unsigned graves;

static void
guard_handler(int sig)
{
	if (guard_jmp != NULL)
		siglongjmp(*guard_jmp, sig);
	/* not ours: the faulting instruction runs again, under the old handler */
	sigaction(sig, sig == SIGSEGV ? &guard_old_segv : &guard_old_bus, NULL);
}

/* guard_setup - the handler; run once, by pthread_once() */
static void
guard_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = guard_handler;
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &guard_old_segv);
	sigaction(SIGBUS, &sa, &guard_old_bus);
}

/*
 * map_guard_install - once per process; pthread_once() makes a second
 * thread that opens its first table meanwhile wait until it is in place
 */
void
map_guard_install(void)
{
	(void)pthread_once(&guard_once, guard_setup);
}

/* dbop_call - the Berkeley DB call op describes */
static int
dbop_call(struct dbop *op)
{
	switch (op->kind) {
	case OP_OPEN:
		return op->db->open(op->db, NULL, op->name, NULL, DB_HASH, op->flags, 0644);
	case OP_GET:
		return op->db->get(op->db, NULL, op->k, op->v, 0);
	case OP_PUT:
		return op->db->put(op->db, NULL, op->k, op->v, 0);
	case OP_DEL:
		return op->db->del(op->db, NULL, op->k, 0);
	case OP_CGET:
		return op->c->get(op->c, op->k, op->v, op->flags);
	case OP_SYNC:
		return op->db->sync(op->db, 0);
	case OP_CLOSE:
		return op->db->close(op->db, 0);
	}
	return EINVAL;
}

int
map_guard_call(struct dbop *op, int *faulted)
{
	sigjmp_buf jb;
	sigjmp_buf *volatile saved = guard_jmp;
	int	err;

	*faulted = 0;
	LEAKCHECK_OFF();
	if (sigsetjmp(jb, 0) != 0) {
		guard_jmp = saved;
		LEAKCHECK_ON();
		*faulted = 1;
		return DB_RUNRECOVERY;
	}
	guard_jmp = &jb;
	err = dbop_call(op);
	guard_jmp = saved;
	LEAKCHECK_ON();
	return err;
}

void
map_guard_bury(DB *db, DB_ENV *env)
{
	unsigned n = __atomic_fetch_add(&graves, 1, __ATOMIC_SEQ_CST);

	if (n < MAP_GRAVE_MAX) {
		grave[n][0] = db;
		grave[n][1] = env;
	}
}
