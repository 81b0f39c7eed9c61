#include <stdio.h>
#include <stdlib.h>
#include <readline/readline.h>
#include <readline/history.h>

/* Readline's configuration lives in C globals, which Swift 6 refuses to touch directly as
   shared mutable state; these accessors are the one place they are read and written. */

static inline void optctl_rl_set_name(const char *name) { rl_readline_name = name; }

static inline void optctl_rl_set_attempted_completion(rl_completion_func_t *function) {
    rl_attempted_completion_function = function;
}

static inline const char *optctl_rl_line_buffer(void) { return rl_line_buffer; }

static inline void optctl_rl_completion_over(void) { rl_attempted_completion_over = 1; }
