// SPDX-License-Identifier: MIT
/*
 * Unit tests: userspace/agent/ctl/server.c (the control socket's
 * non-blocking server) and ctl/client.c (control_fetch) against it.
 *
 * The loop is a fake of the contract of core/loop.h: watch, modify and
 * unwatch record fds in a table (checking that each fd is open and
 * watched once), and pump() polls the table and calls the sources, like
 * the agent's loop, dropping the events of a source unwatched during the
 * turn. Clients are the other end of socketpairs, or real connections for
 * the listening socket. Time is the timer heap's: a deadline is tested by
 * running the heap at it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/clock.h"
#include "core/timer.h"
#include "ctl/control.h"
#include "ctl/server.h"

#define MAX_WATCH	64

struct watch {
	int fd;
	uint32_t events;
	struct loop_source *src;
};

struct env {
	struct timer_heap th;
	struct ctl_server srv;
	struct watch w[MAX_WATCH];
	unsigned int n_watch;
	/* The answer respond() writes: a fixed one, or the request echoed. */
	const char *answer;
	size_t answer_len;
	unsigned int requests;
	char last_req[CTL_REQ_MAX + 1];
	char dir[64];
};

static struct watch *find_watch(struct env *e, int fd)
{
	unsigned int i;

	for (i = 0; i < e->n_watch; i++)
		if (e->w[i].fd == fd)
			return &e->w[i];
	return NULL;
}

static int fake_watch(void *ctx, int fd, uint32_t events,
		      struct loop_source *src)
{
	struct env *e = ctx;

	assert_true(fcntl(fd, F_GETFD) >= 0);
	assert_null(find_watch(e, fd));
	assert_true(e->n_watch < MAX_WATCH);
	e->w[e->n_watch++] = (struct watch){ fd, events, src };
	return 0;
}

static int fake_modify(void *ctx, int fd, uint32_t events,
		       struct loop_source *src)
{
	struct watch *w = find_watch(ctx, fd);

	assert_non_null(w);
	assert_ptr_equal(w->src, src);
	w->events = events;
	return 0;
}

static void fake_unwatch(void *ctx, int fd, struct loop_source *src)
{
	struct env *e = ctx;
	struct watch *w = find_watch(e, fd);

	/* Before close, and only what is watched. */
	assert_true(fcntl(fd, F_GETFD) >= 0);
	assert_non_null(w);
	assert_ptr_equal(w->src, src);
	*w = e->w[--e->n_watch];
}

static void fake_respond(void *ctx, const char *req, FILE *out)
{
	struct env *e = ctx;

	e->requests++;
	snprintf(e->last_req, sizeof(e->last_req), "%s", req);
	if (e->answer)
		fwrite(e->answer, 1, e->answer_len, out);
	else
		fprintf(out, "{\"req\": \"%s\"}\n", req);
}

static const struct ctl_server_ops fake_ops = {
	.watch = fake_watch,
	.modify = fake_modify,
	.unwatch = fake_unwatch,
	.respond = fake_respond,
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	timer_heap_init(&e->th);
	ctl_server_init(&e->srv, &fake_ops, e, &e->th);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	ctl_server_close(&e->srv);
	assert_int_equal(e->n_watch, 0);
	assert_int_equal(timer_count(&e->th), 0);
	timer_heap_free(&e->th);
	if (e->dir[0])
		rmdir(e->dir);
	free(e);
	return 0;
}

/* One loop turn: poll the watched fds (no wait), dispatch. Returns how
 * many sources were called. */
static unsigned int pump_once(struct env *e)
{
	struct pollfd pfd[MAX_WATCH];
	struct watch turn[MAX_WATCH];
	unsigned int i, n = e->n_watch, called = 0;

	for (i = 0; i < n; i++) {
		turn[i] = e->w[i];
		pfd[i].fd = e->w[i].fd;
		pfd[i].events = ((e->w[i].events & EPOLLIN) ? POLLIN : 0) |
				((e->w[i].events & EPOLLOUT) ? POLLOUT : 0);
		pfd[i].revents = 0;
	}
	if (!n || poll(pfd, n, 0) <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		struct watch *w;
		uint32_t ev = 0;

		if (!pfd[i].revents)
			continue;
		/* Unwatched (or replaced) during this turn: dropped. */
		w = find_watch(e, turn[i].fd);
		if (!w || w->src != turn[i].src)
			continue;
		ev |= (pfd[i].revents & POLLIN) ? EPOLLIN : 0;
		ev |= (pfd[i].revents & POLLOUT) ? EPOLLOUT : 0;
		ev |= (pfd[i].revents & POLLHUP) ? EPOLLHUP : 0;
		ev |= (pfd[i].revents & POLLERR) ? EPOLLERR : 0;
		turn[i].src->fn(turn[i].src, ev);
		called++;
	}
	return called;
}

static void pump(struct env *e)
{
	unsigned int i;

	for (i = 0; i < 1000 && pump_once(e); i++)
		;
}

/* A socketpair: the server adopts sv[0], the test is the client sv[1]. */
static int client_pair(struct env *e)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	assert_int_equal(ctl_server_adopt(&e->srv, sv[0]), 0);
	return sv[1];
}

static void send_str(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL),
			 (ssize_t)strlen(s));
}

/* Read what is there now; -1 when nothing is (EAGAIN), 0 at EOF. */
static ssize_t read_now(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -1;
	return n;
}

/* Everything until EOF, which must have come already (caller frees). */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (;;) {
		ssize_t got;

		if (cap - n < 2) {
			char *bigger = realloc(buf, cap * 2);

			assert_non_null(bigger);
			buf = bigger;
			cap *= 2;
		}
		got = read_now(fd, buf + n, cap - n - 1);
		assert_true(got >= 0);	/* -1: no EOF yet */
		if (!got)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static void expect_answer(int fd, const char *want)
{
	char *got = read_all(fd, NULL);

	assert_string_equal(got, want);
	free(got);
}

/* A big answer: lines with their offsets, so any loss shows. */
static char *big_answer(size_t size)
{
	char *a = malloc(size + 1);
	size_t off = 0;

	assert_non_null(a);
	while (off < size) {
		char line[32];
		int n = snprintf(line, sizeof(line), "%zu\n", off);
		size_t k = (size_t)n < size - off ? (size_t)n : size - off;

		memcpy(a + off, line, k);
		off += k;
	}
	a[size] = '\0';
	return a;
}

/* ---- the state machine ---------------------------------------------------- */

static void test_answer(void **state)
{
	struct env *e = *state;
	int c = client_pair(e);

	assert_int_equal(e->srv.n_conns, 1);
	assert_int_equal(e->n_watch, 1);
	assert_int_equal(e->w[0].events, EPOLLIN);
	assert_int_equal(timer_count(&e->th), 1);	/* its deadline */
	send_str(c, "status\n");
	pump(e);
	assert_int_equal(e->requests, 1);
	assert_string_equal(e->last_req, "status");
	expect_answer(c, "{\"req\": \"status\"}\n");
	assert_int_equal(e->srv.n_conns, 0);
	assert_int_equal(e->n_watch, 0);
	assert_int_equal(timer_count(&e->th), 0);
	assert_int_equal(e->srv.stats.accepted, 1);
	assert_int_equal(e->srv.stats.answered, 1);
	close(c);
}

static void test_request_in_pieces(void **state)
{
	struct env *e = *state;
	char buf[64];
	int c = client_pair(e);

	send_str(c, "sta");
	pump(e);
	assert_int_equal(e->requests, 0);
	assert_int_equal(read_now(c, buf, sizeof(buf)), -1);
	send_str(c, "tus json\r\nignored after the line");
	pump(e);
	assert_string_equal(e->last_req, "status json");
	expect_answer(c, "{\"req\": \"status json\"}\n");
	close(c);
}

/* An old-style client: the request without its newline, then EOF. */
static void test_request_at_eof(void **state)
{
	struct env *e = *state;
	int c = client_pair(e);

	send_str(c, "status");
	shutdown(c, SHUT_WR);
	pump(e);
	assert_string_equal(e->last_req, "status");
	expect_answer(c, "{\"req\": \"status\"}\n");
	close(c);
}

static void test_eof_without_request(void **state)
{
	struct env *e = *state;
	int c = client_pair(e);

	shutdown(c, SHUT_WR);
	pump(e);
	assert_int_equal(e->requests, 0);
	assert_int_equal(e->srv.n_conns, 0);
	expect_answer(c, "");
	close(c);
}

static void test_request_too_long(void **state)
{
	struct env *e = *state;
	char req[CTL_REQ_MAX + 10];
	int c = client_pair(e);

	memset(req, 's', sizeof(req) - 1);
	req[sizeof(req) - 1] = '\0';
	send_str(c, req);
	pump(e);
	assert_int_equal(e->requests, 0);
	expect_answer(c, "{\"error\": \"request too long\"}\n");
	close(c);
}

/* A client that connects and says nothing costs the loop nothing and is
 * closed at its deadline. */
static void test_silent_client_closed_at_deadline(void **state)
{
	struct env *e = *state;
	uint64_t before = clock_ms(), deadline;
	char buf[16];
	int c = client_pair(e);

	pump(e);
	assert_int_equal(e->srv.n_conns, 1);
	deadline = timer_next(&e->th);
	assert_true(deadline >= before + CTL_REQUEST_TIMEOUT_MS);
	assert_true(deadline <= clock_ms() + CTL_REQUEST_TIMEOUT_MS);
	assert_int_equal(timer_run(&e->th, deadline - 1), 0);
	assert_int_equal(e->srv.n_conns, 1);
	assert_int_equal(read_now(c, buf, sizeof(buf)), -1);

	assert_int_equal(timer_run(&e->th, deadline), 1);
	assert_int_equal(e->srv.n_conns, 0);
	assert_int_equal(e->n_watch, 0);
	assert_int_equal(e->srv.stats.timeouts, 1);
	assert_int_equal(read_now(c, buf, sizeof(buf)), 0);	/* EOF */
	assert_int_equal(e->requests, 0);
	close(c);
}

/* A half-sent request is also cut off at the deadline. */
static void test_partial_request_closed_at_deadline(void **state)
{
	struct env *e = *state;
	int c = client_pair(e);

	send_str(c, "stat");
	pump(e);
	assert_int_equal(timer_run(&e->th, timer_next(&e->th)), 1);
	assert_int_equal(e->srv.n_conns, 0);
	assert_int_equal(e->requests, 0);
	expect_answer(c, "");
	close(c);
}

static void small_buffers(int srv_fd, int client_fd)
{
	int small = 4096;

	assert_int_equal(setsockopt(srv_fd, SOL_SOCKET, SO_SNDBUF, &small,
				    sizeof(small)), 0);
	assert_int_equal(setsockopt(client_fd, SOL_SOCKET, SO_RCVBUF, &small,
				    sizeof(small)), 0);
}

/*
 * A reader slower than the socket gets the whole answer: each write that
 * makes progress grants another write_timeout_ms, so the answer may take
 * longer in all than the timeout. The heap runs at the real clock.
 */
static void test_slow_reader_gets_everything(void **state)
{
	struct env *e = *state;
	size_t size = 512 * 1024, got = 0;
	uint64_t start;
	char *answer = big_answer(size), *buf = malloc(size + 1);
	unsigned int rounds = 0;
	int sv[2];

	assert_non_null(buf);
	e->answer = answer;
	e->answer_len = size;
	e->srv.write_timeout_ms = 300;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	small_buffers(sv[0], sv[1]);
	assert_int_equal(ctl_server_adopt(&e->srv, sv[0]), 0);
	send_str(sv[1], "status\n");
	start = clock_ms();
	pump(e);
	/* The socket took part of it; the rest waits for EPOLLOUT. */
	assert_int_equal(e->srv.n_conns, 1);
	assert_int_equal(e->n_watch, 1);
	assert_int_equal(e->w[0].events, EPOLLOUT);
	for (;;) {
		ssize_t n = read_now(sv[1], buf + got, 2048);

		if (!n)
			break;
		if (n > 0)
			got += (size_t)n;
		assert_true(got <= size);
		usleep(2000);
		timer_run(&e->th, clock_ms());
		pump(e);
		rounds++;
		assert_true(rounds < 100000);
	}
	assert_int_equal(got, size);
	assert_memory_equal(buf, answer, size);
	assert_true(clock_ms() - start > e->srv.write_timeout_ms);
	assert_int_equal(e->srv.stats.answered, 1);
	assert_int_equal(e->srv.stats.timeouts, 0);
	assert_int_equal(e->srv.n_conns, 0);
	close(sv[1]);
	free(buf);
	free(answer);
}

/* A client that does not read its answer is closed at its deadline. */
static void test_nonreader_closed_at_deadline(void **state)
{
	struct env *e = *state;
	size_t size = 1024 * 1024;
	char *answer = big_answer(size);
	int sv[2];

	e->answer = answer;
	e->answer_len = size;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	small_buffers(sv[0], sv[1]);
	assert_int_equal(ctl_server_adopt(&e->srv, sv[0]), 0);
	send_str(sv[1], "status\n");
	pump(e);
	assert_int_equal(e->srv.n_conns, 1);
	assert_int_equal(e->w[0].events, EPOLLOUT);
	assert_int_equal(timer_count(&e->th), 1);
	pump(e);	/* nothing moves */
	assert_int_equal(timer_run(&e->th, timer_next(&e->th)), 1);
	assert_int_equal(e->srv.n_conns, 0);
	assert_int_equal(e->n_watch, 0);
	assert_int_equal(e->srv.stats.timeouts, 1);
	assert_int_equal(e->srv.stats.answered, 0);
	close(sv[1]);
	free(answer);
}

/* A client that goes away while its answer is written: closed, no
 * SIGPIPE. */
static void test_reader_goes_away(void **state)
{
	struct env *e = *state;
	size_t size = 1024 * 1024;
	char *answer = big_answer(size);
	int sv[2];

	e->answer = answer;
	e->answer_len = size;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	small_buffers(sv[0], sv[1]);
	assert_int_equal(ctl_server_adopt(&e->srv, sv[0]), 0);
	send_str(sv[1], "status\n");
	pump(e);
	assert_int_equal(e->srv.n_conns, 1);
	close(sv[1]);
	pump(e);
	assert_int_equal(e->srv.n_conns, 0);
	assert_int_equal(e->srv.stats.errors, 1);
	free(answer);
}

/* At most max_clients: one more is told it is busy and closed at once. */
static void test_client_limit(void **state)
{
	struct env *e = *state;
	int c[CTL_MAX_CLIENTS], sv[2];
	unsigned int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		c[i] = client_pair(e);
	assert_int_equal(e->srv.n_conns, CTL_MAX_CLIENTS);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	assert_int_equal(ctl_server_adopt(&e->srv, sv[0]), -EBUSY);
	assert_int_equal(e->srv.n_conns, CTL_MAX_CLIENTS);
	assert_int_equal(e->srv.stats.busy, 1);
	expect_answer(sv[1], "{\"error\": \"busy\"}\n");
	close(sv[1]);

	/* A slot freed is a slot taken again. */
	send_str(c[3], "status\n");
	pump(e);
	expect_answer(c[3], "{\"req\": \"status\"}\n");
	close(c[3]);
	c[3] = client_pair(e);

	/* Closing the server closes every client. */
	ctl_server_close(&e->srv);
	assert_int_equal(e->srv.n_conns, 0);
	assert_int_equal(e->n_watch, 0);
	assert_int_equal(timer_count(&e->th), 0);
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		expect_answer(c[i], "");
		close(c[i]);
	}
}

/* ---- the listening socket ------------------------------------------------- */

static const char *sock_path(struct env *e, char *buf, size_t size)
{
	if (!e->dir[0]) {
		snprintf(e->dir, sizeof(e->dir), "/tmp/test_ctl.XXXXXX");
		assert_non_null(mkdtemp(e->dir));
	}
	snprintf(buf, size, "%s/run/agent.sock", e->dir);
	return buf;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static void remove_run_dir(struct env *e)
{
	char run[96];

	snprintf(run, sizeof(run), "%s/run", e->dir);
	rmdir(run);
}

static void test_listen_and_accept(void **state)
{
	struct env *e = *state;
	struct ctl_server other;
	char path[100], run[96], err[256];
	struct stat st;
	int c;

	sock_path(e, path, sizeof(path));
	assert_int_equal(ctl_server_listen(&e->srv, path, err, sizeof(err)), 0);
	assert_int_equal(e->n_watch, 1);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(run, sizeof(run), "%s/run", e->dir);
	assert_int_equal(stat(run, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	/* A second server on the same path finds this one and refuses. */
	ctl_server_init(&other, &fake_ops, e, &e->th);
	assert_int_equal(ctl_server_listen(&other, path, err, sizeof(err)),
			 -EADDRINUSE);
	assert_non_null(strstr(err, "another agent is running"));
	assert_int_equal(stat(path, &st), 0);	/* left alone */
	/* Its probe was a client that said nothing and went. */
	pump(e);
	assert_int_equal(e->srv.stats.accepted, 1);
	assert_int_equal(e->srv.n_conns, 0);
	assert_int_equal(e->requests, 0);

	c = connect_to(path);
	pump(e);	/* accepted */
	assert_int_equal(e->srv.stats.accepted, 2);
	assert_int_equal(e->srv.n_conns, 1);
	send_str(c, "status\n");
	pump(e);
	expect_answer(c, "{\"req\": \"status\"}\n");
	close(c);

	ctl_server_close(&e->srv);
	assert_int_equal(stat(path, &st), -1);	/* removed */
	remove_run_dir(e);
}

/* A stale socket file (no server behind it) is replaced. */
static void test_listen_replaces_stale_socket(void **state)
{
	struct env *e = *state;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char path[100], run[96], err[256];
	int fd;

	sock_path(e, path, sizeof(path));
	snprintf(run, sizeof(run), "%s/run", e->dir);
	assert_int_equal(mkdir(run, 0700), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);	/* bound, never listening: stale */
	assert_int_equal(ctl_server_listen(&e->srv, path, err, sizeof(err)), 0);
	ctl_server_close(&e->srv);
	remove_run_dir(e);
}

static void test_listen_errors(void **state)
{
	struct env *e = *state;
	char path[200], err[256];

	memset(path, 'x', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	path[0] = '/';
	assert_int_equal(ctl_server_listen(&e->srv, path, err, sizeof(err)),
			 -ENAMETOOLONG);
	assert_non_null(strstr(err, "path too long"));
	assert_int_equal(ctl_server_listen(&e->srv, "/proc/nonexistent/x/s",
					   err, sizeof(err)), -ENOENT);
	assert_int_equal(e->n_watch, 0);
}

/* Out of fds: accepting pauses (no spinning on a readable listener) and
 * resumes on its timer. */
static void test_accept_pauses_on_emfile(void **state)
{
	struct env *e = *state;
	struct rlimit old, low;
	char path[100], err[256];
	int c, fd;

	sock_path(e, path, sizeof(path));
	assert_int_equal(ctl_server_listen(&e->srv, path, err, sizeof(err)), 0);
	c = connect_to(path);
	/* No fd left above the ones open now. */
	fd = dup(0);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)fd;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	pump_once(e);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(e->srv.n_conns, 0);
	assert_int_equal(e->n_watch, 0);	/* the listener rests */
	assert_int_equal(timer_count(&e->th), 1);

	assert_int_equal(timer_run(&e->th, timer_next(&e->th)), 1);
	assert_int_equal(e->n_watch, 1);
	pump(e);
	assert_int_equal(e->srv.n_conns, 1);
	send_str(c, "status\n");
	pump(e);
	expect_answer(c, "{\"req\": \"status\"}\n");
	close(c);
	ctl_server_close(&e->srv);
	remove_run_dir(e);
}

/* ---- the client against the server ---------------------------------------- */

static void test_fetch(void **state)
{
	struct env *e = *state;
	char path[100], err[256], *doc = NULL;
	size_t len = 0;
	pid_t pid;
	int status;

	e->answer = "{\"node\": {}}\n";
	e->answer_len = strlen(e->answer);
	sock_path(e, path, sizeof(path));
	assert_int_equal(ctl_server_listen(&e->srv, path, err, sizeof(err)), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		/* The agent: serve one client, at most 5 s. */
		uint64_t end = clock_ms() + 5000;

		while (!e->srv.stats.answered && clock_ms() < end) {
			pump(e);
			timer_run(&e->th, clock_ms());
			usleep(1000);
		}
		_exit(e->srv.stats.answered == 1 &&
		      !strcmp(e->last_req, "status json") ? 0 : 1);
	}
	assert_int_equal(control_fetch(path, &doc, &len, err, sizeof(err)), 0);
	assert_int_equal(len, e->answer_len);
	assert_string_equal(doc, e->answer);
	free(doc);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	ctl_server_close(&e->srv);
	remove_run_dir(e);

	/* Nobody there. */
	assert_int_equal(control_fetch(path, &doc, &len, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "is aegis-agent running?"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_in_pieces, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_request_at_eof, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_eof_without_request, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_request_too_long, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_silent_client_closed_at_deadline,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_request_closed_at_deadline,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_reader_gets_everything,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonreader_closed_at_deadline,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_goes_away, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_client_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_listen_and_accept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_listen_replaces_stale_socket,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_accept_pauses_on_emfile,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
