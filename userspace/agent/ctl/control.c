// SPDX-License-Identifier: MIT
/*
 * The control socket: a Unix stream socket (mode 0600 in a 0700
 * directory, peers checked with SO_PEERCRED: root or our own uid only).
 * A client writes one line, "status" or "status json", and reads the
 * answer until EOF. `aegis-agent status` is that client.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "transport/addr.h"
#include "core/agent.h"
#include "hex.h"
#include "json.h"
#include "core/log.h"

#define CONTROL_REQ_MAX 64

/* Short names of the refusal counters (JSON keys). */
static const char *const refusal_names[HS_STATUS_MAX] = {
	[HS_OK] = NULL,
	[HS_MALFORMED] = "malformed",
	[HS_BAD_MAC1] = "bad_mac1",
	[HS_WRONG_RESPONDER] = "wrong_responder",
	[HS_CERT_WRONG_CA] = "wrong_ca",
	[HS_CERT_EXPIRED] = "expired_cert",
	[HS_CERT_ID_MISMATCH] = "id_mismatch",
	[HS_CERT_BAD] = "bad_cert",
	[HS_BAD_SIGNATURE] = "bad_signature",
	[HS_ROUTE_NOT_ALLOWED] = "route_not_allowed",
	[HS_NO_MATCH] = "no_match",
	[HS_REPLAY] = "replay",
	[HS_CRYPTO] = "crypto",
};

static int sun_fill(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

int control_open(struct agent *a)
{
	const char *path = a->cfg.control_socket;
	struct sockaddr_un sun;
	char dir[PATH_MAX];
	int fd, probe;

	if (sun_fill(&sun, path)) {
		log_err("control_socket %s: path too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0700) < 0 && errno != EEXIST) {
		log_err("control socket directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	/* A live socket means another agent: refuse. A stale one goes. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0) {
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			log_err("another agent is running (control socket %s answers)",
				path);
			return -EADDRINUSE;
		}
		close(probe);
	}
	unlink(path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 8) < 0) {
		close(fd);
		goto err;
	}
	a->control_fd = fd;
	return 0;
err:
	log_err("control socket %s: %s", path, strerror(errno));
	return -errno;
}

void control_close(struct agent *a)
{
	if (a->control_fd < 0)
		return;
	close(a->control_fd);
	a->control_fd = -1;
	unlink(a->cfg.control_socket);
}

/* ---- the status report ----------------------------------------------- */

struct peer_view {
	char id[AEGIS_NODE_ID_HEX_SIZE];
	char endpoint[AEGIS_ENDPOINT_STRSIZE];
	bool has_kernel;
	struct aegis_node kn;
	bool has_key;
	uint32_t key_age;
	int64_t handshake_ago;		/* -1: never */
};

static void peer_view(struct agent *a, struct peer *p, struct peer_view *v)
{
	struct aegis_key key;

	memset(v, 0, sizeof(*v));
	if (p->has_id)
		aegis_node_id_format(p->id, v->id);
	if (p->ep_len)
		addr_str((struct sockaddr *)&p->ep, v->endpoint, sizeof(v->endpoint));
	v->handshake_ago = -1;
	if (p->last_handshake_wall)
		v->handshake_ago = (int64_t)time(NULL) -
				   (int64_t)p->last_handshake_wall;
	if (!p->kernel_node)
		return;
	if (!kernel_node_get(&a->k, p->id, &v->kn)) {
		v->has_kernel = true;
		if (AEGIS_HAS(&v->kn, AEGIS_NODE_A_ENDPOINT_PORT))
			aegis_endpoint_format(&v->kn.endpoint, v->endpoint,
					      sizeof(v->endpoint));
	}
	if (!kernel_key_get(&a->k, p->id, AEGIS_KEY_SLOT_PRIMARY, &key)) {
		v->has_key = true;
		v->key_age = key.age;
	}
}

static const char *roles_str(uint32_t roles, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", roles & CERT_ROLE_RELAY ? "relay" : "",
		 (roles & CERT_ROLE_RELAY) && (roles & CERT_ROLE_EXIT) ? "," : "",
		 roles & CERT_ROLE_EXIT ? "exit" : "");
	if (!buf[0])
		snprintf(buf, size, "-");
	return buf;
}

static void json_prefix_list(struct aegis_json *j, const char *key,
			     const struct aegis_prefix *p, unsigned int n)
{
	char s[AEGIS_PREFIX_STRSIZE];
	unsigned int i;

	aegis_json_key(j, key);
	aegis_json_array_begin(j);
	for (i = 0; i < n; i++) {
		aegis_prefix_format(&p[i], s, sizeof(s));
		aegis_json_string(j, s);
	}
	aegis_json_array_end(j);
}

static void status_json(struct agent *a, FILE *out)
{
	char s[AEGIS_PREFIX_STRSIZE], id[AEGIS_NODE_ID_HEX_SIZE];
	struct aegis_json j;
	unsigned int i, k;

	aegis_json_init(&j, out);
	aegis_json_object_begin(&j);

	aegis_json_key(&j, "node");
	aegis_json_object_begin(&j);
	aegis_node_id_format(a->id.node_id, id);
	aegis_json_kv_string(&j, "name", a->cfg.node_name);
	aegis_json_kv_string(&j, "id", id);
	aegis_json_kv_string(&j, "network", a->me.network);
	aegis_addr_format(&a->cfg.mesh_ip, s, sizeof(s));
	aegis_json_kv_string(&j, "mesh_ip", s);
	if (a->cfg.mesh_ip6.family) {
		aegis_addr_format(&a->cfg.mesh_ip6, s, sizeof(s));
		aegis_json_kv_string(&j, "mesh_ip6", s);
	}
	aegis_json_kv_string(&j, "interface", a->cfg.ifname);
	aegis_json_kv_u64(&j, "listen_port", a->port);
	aegis_json_kv_string(&j, "cipher", config_cipher_name(a->cfg.cipher));
	aegis_json_kv_u64(&j, "rekey_interval", a->cfg.rekey_interval);
	aegis_json_kv_u64(&j, "uptime", (clock_ms() - a->start_ms) / 1000);
	aegis_json_kv_string(&j, "roles", roles_str(a->me.roles, s, sizeof(s)));
	aegis_json_kv_u64(&j, "cert_expires", (uint64_t)a->me.not_after);
	aegis_json_object_end(&j);

	aegis_json_key(&j, "peers");
	aegis_json_array_begin(&j);
	for (i = 0; i < AGENT_MAX_PEERS; i++) {
		struct peer *p = &a->peers[i];
		struct peer_view v;

		if (!p->used)
			continue;
		peer_view(a, p, &v);
		aegis_json_object_begin(&j);
		aegis_json_kv_string(&j, "id", v.id);
		aegis_json_kv_string(&j, "name", p->has_id ? p->cert.name : "");
		aegis_json_kv_string(&j, "endpoint", v.endpoint);
		aegis_json_kv_string(&j, "state", peer_state_name(p->state));
		aegis_json_kv_bool(&j, "static", p->static_idx >= 0);
		aegis_json_key(&j, "last_handshake_ago");
		if (v.handshake_ago >= 0)
			aegis_json_i64(&j, v.handshake_ago);
		else
			aegis_json_null(&j);
		aegis_json_key(&j, "key_age");
		if (v.has_key)
			aegis_json_u64(&j, v.key_age);
		else
			aegis_json_null(&j);
		aegis_json_kv_string(&j, "cipher", p->has_primary ?
				     config_cipher_name(p->cipher) : "");
		aegis_json_kv_string(&j, "role", !p->has_primary ? "" :
				     p->we_initiated ? "initiator" : "responder");
		aegis_json_kv_u64(&j, "rotations", p->rotations);
		aegis_json_kv_u64(&j, "rx_bytes", v.kn.rx_bytes);
		aegis_json_kv_u64(&j, "tx_bytes", v.kn.tx_bytes);
		aegis_json_kv_u64(&j, "rx_packets", v.kn.rx_packets);
		aegis_json_kv_u64(&j, "tx_packets", v.kn.tx_packets);
		json_prefix_list(&j, "routes", p->routes.p,
				 p->routes_installed ? p->routes.n : 0);
		aegis_json_object_end(&j);
	}
	aegis_json_array_end(&j);

	aegis_json_key(&j, "routes");
	aegis_json_array_begin(&j);
	for (i = 0; i < AGENT_MAX_PEERS; i++) {
		struct peer *p = &a->peers[i];

		if (!p->used || !p->routes_installed)
			continue;
		for (k = 0; k < p->routes.n; k++) {
			aegis_json_object_begin(&j);
			aegis_prefix_format(&p->routes.p[k], s, sizeof(s));
			aegis_json_kv_string(&j, "prefix", s);
			aegis_json_kv_string(&j, "peer", p->cert.name);
			aegis_json_object_end(&j);
		}
	}
	aegis_json_array_end(&j);

	aegis_json_key(&j, "counters");
	aegis_json_object_begin(&j);
	aegis_json_kv_u64(&j, "handshakes", a->stats.handshakes);
	aegis_json_kv_u64(&j, "rotations", a->stats.rotations);
	aegis_json_kv_u64(&j, "initiations_sent", a->stats.inits_tx);
	aegis_json_kv_u64(&j, "initiations_received", a->stats.inits_rx);
	aegis_json_kv_u64(&j, "rsa_verifies", a->stats.rsa_verifies);
	aegis_json_kv_u64(&j, "cookies_sent", a->stats.cookies_sent);
	aegis_json_kv_u64(&j, "rate_limited", a->stats.rate_limited);
	aegis_json_kv_u64(&j, "garbage", a->stats.garbage);
	aegis_json_kv_u64(&j, "simultaneous", a->stats.simultaneous);
	aegis_json_kv_u64(&j, "kernel_errors", a->stats.kernel_errors);
	aegis_json_key(&j, "refused");
	aegis_json_object_begin(&j);
	for (i = 1; i < HS_STATUS_MAX; i++)
		aegis_json_kv_u64(&j, refusal_names[i], a->stats.hs_reject[i]);
	aegis_json_object_end(&j);
	aegis_json_object_end(&j);

	aegis_json_object_end(&j);
	aegis_json_finish(&j);
	fputc('\n', out);
}

static void fmt_ago(int64_t s, char *buf, size_t size)
{
	if (s < 0)
		snprintf(buf, size, "never");
	else if (s < 120)
		snprintf(buf, size, "%llds ago", (long long)s);
	else if (s < 7200)
		snprintf(buf, size, "%lldm ago", (long long)s / 60);
	else
		snprintf(buf, size, "%lldh ago", (long long)s / 3600);
}

static void status_text(struct agent *a, FILE *out)
{
	char s[AEGIS_PREFIX_STRSIZE], s6[AEGIS_PREFIX_STRSIZE] = "";
	char id[AEGIS_NODE_ID_HEX_SIZE], ago[32], roles[32];
	unsigned int i, k, n = 0;

	aegis_node_id_format(a->id.node_id, id);
	aegis_addr_format(&a->cfg.mesh_ip, s, sizeof(s));
	if (a->cfg.mesh_ip6.family)
		aegis_addr_format(&a->cfg.mesh_ip6, s6, sizeof(s6));
	fprintf(out, "node %s  network %s\n", a->cfg.node_name, a->me.network);
	fprintf(out, "  id        %s\n", id);
	fprintf(out, "  mesh ip   %s%s%s on %s, udp port %u\n", s, s6[0] ? " " : "",
		s6, a->cfg.ifname, a->port);
	fprintf(out, "  cipher    %s, rekey every %us, roles %s\n",
		config_cipher_name(a->cfg.cipher), a->cfg.rekey_interval,
		roles_str(a->me.roles, roles, sizeof(roles)));
	fprintf(out, "\npeers\n");
	for (i = 0; i < AGENT_MAX_PEERS; i++) {
		struct peer *p = &a->peers[i];
		struct peer_view v;

		if (!p->used)
			continue;
		n++;
		peer_view(a, p, &v);
		fmt_ago(v.handshake_ago, ago, sizeof(ago));
		fprintf(out, "  %-12s %-12.12s %-11s %s\n",
			p->has_id ? p->cert.name : "(unknown)",
			p->has_id ? v.id : "-", peer_state_name(p->state),
			v.endpoint[0] ? v.endpoint : "-");
		if (!p->has_primary)
			continue;
		fprintf(out, "      handshake %s as %s, key age %us, %s, rotations %llu\n",
			ago, p->we_initiated ? "initiator" : "responder",
			v.key_age, config_cipher_name(p->cipher),
			(unsigned long long)p->rotations);
		fprintf(out, "      rx %llu B / %llu pkts, tx %llu B / %llu pkts\n",
			(unsigned long long)v.kn.rx_bytes,
			(unsigned long long)v.kn.rx_packets,
			(unsigned long long)v.kn.tx_bytes,
			(unsigned long long)v.kn.tx_packets);
	}
	if (!n)
		fprintf(out, "  (none)\n");
	fprintf(out, "\nroutes\n");
	n = 0;
	for (i = 0; i < AGENT_MAX_PEERS; i++) {
		struct peer *p = &a->peers[i];

		if (!p->used || !p->routes_installed)
			continue;
		for (k = 0; k < p->routes.n; k++, n++) {
			aegis_prefix_format(&p->routes.p[k], s, sizeof(s));
			fprintf(out, "  %-24s via %s\n", s, p->cert.name);
		}
	}
	if (!n)
		fprintf(out, "  (none)\n");
	fprintf(out, "\nhandshakes %llu, rotations %llu, refused:",
		(unsigned long long)a->stats.handshakes,
		(unsigned long long)a->stats.rotations);
	n = 0;
	for (i = 1; i < HS_STATUS_MAX; i++) {
		if (!a->stats.hs_reject[i])
			continue;
		fprintf(out, " %s=%llu", refusal_names[i],
			(unsigned long long)a->stats.hs_reject[i]);
		n++;
	}
	fprintf(out, "%s\n", n ? "" : " none");
	fprintf(out, "cookies sent %llu, rate limited %llu, garbage %llu\n",
		(unsigned long long)a->stats.cookies_sent,
		(unsigned long long)a->stats.rate_limited,
		(unsigned long long)a->stats.garbage);
}

/* ---- server ---------------------------------------------------------- */

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void serve(struct agent *a, int fd)
{
	struct timeval tv = { .tv_sec = 1 };
	char req[CONTROL_REQ_MAX + 1];
	size_t got = 0, size = 0;
	char *text = NULL;
	FILE *out;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < CONTROL_REQ_MAX) {
		ssize_t n = read(fd, req + got, CONTROL_REQ_MAX - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(req, '\n', got))
			break;
	}
	req[got] = '\0';
	req[strcspn(req, "\r\n")] = '\0';

	out = open_memstream(&text, &size);
	if (!out)
		return;
	if (!strcmp(req, "status"))
		status_text(a, out);
	else if (!strcmp(req, "status json"))
		status_json(a, out);
	else
		fprintf(out, "error: unknown request '%.32s' (try: status, status json)\n",
			req);
	fclose(out);
	write_all(fd, text, size);
	free(text);
}

void control_accept(struct agent *a)
{
	int fd;

	while ((fd = accept4(a->control_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		if (peer_allowed(fd))
			serve(a, fd);
		else
			log_warn("control socket: connection from another user refused");
		close(fd);
	}
}

/* ---- client ---------------------------------------------------------- */

int control_query(const char *path, bool json, char *err, size_t errsz)
{
	const char *req = json ? "status json\n" : "status\n";
	struct sockaddr_un sun;
	char buf[4096];
	ssize_t n;
	int fd;

	if (sun_fill(&sun, path)) {
		snprintf(err, errsz, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;

		snprintf(err, errsz, "cannot reach the agent at %s: %s%s", path,
			 strerror(e), e == ENOENT || e == ECONNREFUSED ?
			 " (is aegis-agent running?)" : "");
		close(fd);
		return -e;
	}
	if (write_all(fd, req, strlen(req))) {
		snprintf(err, errsz, "write to %s: %s", path, strerror(errno));
		close(fd);
		return -EIO;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return 0;
}
