/* The kqueue interface as the kqueue(2) manual (FreeBSD 13, Debian's
 * freebsd-manpages) declares it: for one use only, compiling
 * reactor/src/backend/kqueue.cpp with -fsyntax-only on a system without
 * <sys/event.h> (.ci/kqueue-syntax.sh), so CI notices when the backend stops
 * compiling. Nothing is linked against it and nothing runs with it; a real
 * build uses the system's header or libkqueue's. The constants carry
 * FreeBSD's values only so that they are distinct. */
#ifndef REACTORD_KQUEUE_DECLARATIONS_SYS_EVENT_H
#define REACTORD_KQUEUE_DECLARATIONS_SYS_EVENT_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct kevent {
  uintptr_t ident;  /* identifier for this event */
  short filter;     /* filter for event */
  u_short flags;    /* action flags for kqueue */
  u_int fflags;     /* filter flag value */
  int64_t data;     /* filter data value */
  void *udata;      /* opaque user data identifier */
  uint64_t ext[4];  /* extensions */
};

#define EV_SET(kevp, a, b, c, d, e, f) \
  do {                                  \
    struct kevent *kevp_ = (kevp);      \
    kevp_->ident = (a);                 \
    kevp_->filter = (b);                \
    kevp_->flags = (c);                 \
    kevp_->fflags = (d);                \
    kevp_->data = (e);                  \
    kevp_->udata = (f);                 \
    kevp_->ext[0] = 0;                  \
    kevp_->ext[1] = 0;                  \
    kevp_->ext[2] = 0;                  \
    kevp_->ext[3] = 0;                  \
  } while (0)

/* filters */
#define EVFILT_READ (-1)
#define EVFILT_WRITE (-2)
#define EVFILT_AIO (-3)
#define EVFILT_VNODE (-4)
#define EVFILT_PROC (-5)
#define EVFILT_SIGNAL (-6)
#define EVFILT_TIMER (-7)
#define EVFILT_PROCDESC (-8)
#define EVFILT_USER (-11)
#define EVFILT_EMPTY (-13)

/* actions */
#define EV_ADD 0x0001
#define EV_DELETE 0x0002
#define EV_ENABLE 0x0004
#define EV_DISABLE 0x0008
#define EV_ONESHOT 0x0010
#define EV_CLEAR 0x0020
#define EV_RECEIPT 0x0040
#define EV_DISPATCH 0x0080

/* returned values */
#define EV_ERROR 0x4000
#define EV_EOF 0x8000

/* EVFILT_USER */
#define NOTE_FFNOP 0x00000000
#define NOTE_TRIGGER 0x01000000

#ifdef __cplusplus
extern "C" {
#endif
int kqueue(void);
int kevent(int kq, const struct kevent *changelist, int nchanges, struct kevent *eventlist,
           int nevents, const struct timespec *timeout);
#ifdef __cplusplus
}
#endif

#endif
