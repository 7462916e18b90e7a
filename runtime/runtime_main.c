/*
 * Included last by a generated module, after its probe handlers, its
 * probe families' tables and stap_families[]: the session core and the
 * transport.  (The families' runtime files come earlier, before the
 * handlers.)
 */
#include "core.c"
#include "transport/ctl.c"
#include "transport/system.c"
#include "transport/data.c"
