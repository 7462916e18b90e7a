/*
 * Running another program (make, rm) and waiting for it, its output
 * kept in a log file rather than mixed into stap's own.
 */
#ifndef STAP_COMMAND_H
#define STAP_COMMAND_H

/* Runs argv (argv[0] found on $PATH) with stdout and stderr to log_path;
 * returns its exit status, 128 if a signal ended it, -1 if it could not
 * be started. */
int run_command(char *const argv[], const char *log_path);

#endif
