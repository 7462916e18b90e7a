/*
 * The one format of the pointers to our man pages that messages end
 * with, as upstream SystemTap prints them: "[man error::pass2]" means
 * "run `man error::pass2` for what this means and what to do".
 *
 * Translator, stapio and the module runtime all print these, so the
 * format lives here, in runtime/uapi/ (on every side's include path).
 * STAP_MAN_HINT is a string literal, so that it also fits inside the C
 * the translator emits and inside format strings:
 *
 *   stap_errorf(c, loc, "kernel read fault " STAP_MAN_HINT("error::fault")
 *               " at 0x%lx", addr);
 *
 * Every page named here must exist in man/ (testsuite/stap.hints
 * checks it).
 */
#ifndef STAP_MAN_HINT_H
#define STAP_MAN_HINT_H

#define STAP_MAN_HINT(page) "[man " page "]"

#endif
