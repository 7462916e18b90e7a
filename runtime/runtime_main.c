/*
 * Included last by a generated module, after its probe handlers and
 * probe tables: the family runtimes, the session core and the
 * transport.
 */
#include "linux/begin_end.c"
#ifdef STAP_HAVE_TIMER_PROBES
#include "linux/timer.c"
#endif
#ifdef STAP_HAVE_KPROBE_PROBES
#include "linux/kprobe.c"
#endif
#ifdef STAP_HAVE_PROCFS_PROBES
#include "linux/procfs.c"
#endif
#include "core.c"
#include "transport/ctl.c"
#include "transport/data.c"
