/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr (journald picks it up), with a level. One line per
 * event: "aegis-agent: <level>: <text>". The level is process-wide
 * configuration set once at start, not state that modules share.
 */
#ifndef AGENT_LOG_H
#define AGENT_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error", "warn"/"warning", "info", "debug" -> 0, or -EINVAL. */
int log_level_parse(const char *s, enum log_level *level);
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* AGENT_LOG_H */
