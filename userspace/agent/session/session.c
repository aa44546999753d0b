// SPDX-License-Identifier: MIT
/*
 * The handshake state machine: control datagrams in, keys to the kernel.
 *
 *   initiator                         responder
 *   INIT ------------------------->   verify (after the DoS gate)
 *                                     new key -> secondary slot
 *        <-------------------------   RESP
 *   verify; new key -> secondary,
 *   swap (tx on the new key)
 *   CONFIRM ---------------------->   swap (tx on the new key)
 *
 * Each side keeps the old key in its secondary slot for a grace period, so
 * packets in flight on either key still decrypt: a rotation loses nothing.
 * If CONFIRM is lost, the responder swaps once the kernel reports the new
 * key confirmed (a packet decrypted with it).
 *
 * Crossing INITs: the node with the lower node id stays initiator; the
 * other drops its own INIT and answers.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "transport/addr.h"
#include "core/agent.h"
#include "hex.h"
#include "core/log.h"

#define LOG_BURST_PER_SEC	10

/* The kernel key slots. */
#define PRIMARY		AEGIS_KEY_SLOT_PRIMARY
#define SECONDARY	AEGIS_KEY_SLOT_SECONDARY

int session_send(struct agent *a, const struct sockaddr *dst, socklen_t len,
		 const uint8_t *buf, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t sslen;

	addr_to_socket(dst, &ss, &sslen);
	(void)len;
	if (sendto(a->udp_fd, buf, n, 0, (struct sockaddr *)&ss, sslen) < 0) {
		char s[AEGIS_ENDPOINT_STRSIZE];
		int err = -errno;

		log_debug("send to %s: %s", addr_str(dst, s, sizeof(s)),
			  strerror(errno));
		return err;
	}
	return 0;
}

/*
 * Refusals are counted always and logged at most LOG_BURST_PER_SEC a
 * second, so that a flood cannot fill the journal.
 */
static bool log_allowed(struct agent *a)
{
	static const uint64_t window = 1000;
	uint64_t now = clock_ms();

	if (now - a->log_window_ms >= window) {
		if (a->log_suppressed)
			log_warn("%u refusal messages suppressed",
				 a->log_suppressed);
		a->log_window_ms = now;
		a->log_count = 0;
		a->log_suppressed = 0;
	}
	if (a->log_count >= LOG_BURST_PER_SEC) {
		a->log_suppressed++;
		return false;
	}
	a->log_count++;
	return true;
}

static void refuse(struct agent *a, enum hs_status st, const char *what,
		   const struct sockaddr *src, const char *who)
{
	char s[AEGIS_ENDPOINT_STRSIZE];

	if (st < HS_STATUS_MAX)
		a->stats.hs_reject[st]++;
	if (!log_allowed(a))
		return;
	log_warn("refused %s from %s%s%s: %s", what,
		 addr_str(src, s, sizeof(s)), who ? " " : "", who ? who : "",
		 hs_status_str(st));
}

static void keys_strip_secrets(struct hs_keys *k)
{
	OPENSSL_cleanse(k->enc_key, sizeof(k->enc_key));
	OPENSSL_cleanse(k->dec_key, sizeof(k->dec_key));
}

/* The hard lifetime the kernel enforces: well after the next rotation. */
static uint32_t hard_lifetime(const struct agent *a)
{
	uint32_t r = a->cfg.rekey_interval;
	uint32_t margin = r / 2 > 60 ? r / 2 : 60;

	return r + margin;
}

static uint64_t grace_ms(const struct agent *a)
{
	uint64_t g = (uint64_t)a->cfg.rekey_interval * 1000 / 2;

	return g < KEY_GRACE_MAX_MS ? g : KEY_GRACE_MAX_MS;
}

static int kernel_fail(struct agent *a, const char *what)
{
	a->stats.kernel_errors++;
	log_err("%s: %s", what, a->k.err);
	return -EIO;
}

/* ---- kernel state of a peer ---------------------------------------- */

static void prefix_host(struct aegis_prefix *p, const struct aegis_addr *a)
{
	memset(p, 0, sizeof(*p));
	p->addr = *a;
	p->len = a->family == AF_INET ? 32 : 128;
}

/* Node, endpoint and keepalive; the relay flag if our certificate has it. */
static int install_node(struct agent *a, struct peer *p)
{
	struct aegis_endpoint ep;
	uint32_t flags = 0;

	if (addr_to_endpoint((struct sockaddr *)&p->ep, &ep))
		return -EINVAL;
	if (a->me.roles & CERT_ROLE_RELAY)
		flags |= AEGIS_NODE_F_RELAY;
	if (kernel_node_set(&a->k, p->id, &ep, NULL, a->cfg.persistent_keepalive,
			    flags))
		return kernel_fail(a, "install node");
	p->kernel_node = true;
	return 0;
}

static bool routes_equal(const struct wire_routes *x, const struct wire_routes *y)
{
	return x->n == y->n && !memcmp(x->p, y->p, x->n * sizeof(x->p[0]));
}

/* An advertised route needs a kernel route unless the mesh covers it. */
static bool needs_os_route(const struct agent *a, const struct aegis_prefix *p)
{
	const struct aegis_prefix *net = p->addr.family == AF_INET ?
		&a->cfg.network_cidr : &a->cfg.network_cidr6;

	return !aegis_prefix_contains(net, p);
}

static void remove_routes(struct agent *a, struct peer *p)
{
	unsigned int i;

	if (!p->routes_installed)
		return;
	for (i = 0; i < p->routes.n; i++) {
		kernel_prefix_del(&a->k, p->id, &p->routes.p[i]);
		if (a->cfg.accept_routes && needs_os_route(a, &p->routes.p[i]))
			kernel_route_del(&a->k, &p->routes.p[i]);
	}
	p->routes_installed = false;
}

/*
 * The peer's prefixes: its certified mesh IPs as host prefixes, plus the
 * routes it advertised (already checked against its certificate).
 */
static void install_routes(struct agent *a, struct peer *p,
			   const struct wire_routes *adv)
{
	struct wire_routes want;
	char s[AEGIS_PREFIX_STRSIZE];
	unsigned int i;

	memset(&want, 0, sizeof(want));
	for (i = 0; i < p->cert.n_ips && want.n < WIRE_MAX_ROUTES; i++)
		prefix_host(&want.p[want.n++], &p->cert.ips[i]);
	for (i = 0; i < adv->n && want.n < WIRE_MAX_ROUTES; i++)
		want.p[want.n++] = adv->p[i];

	if (p->routes_installed && routes_equal(&want, &p->routes))
		return;
	remove_routes(a, p);
	p->routes = want;
	for (i = 0; i < want.n; i++) {
		aegis_prefix_format(&want.p[i], s, sizeof(s));
		if (kernel_prefix_add(&a->k, p->id, &want.p[i]) &&
		    a->k.err[0]) {
			a->stats.kernel_errors++;
			log_warn("prefix %s for %s: %s", s, p->cert.name, a->k.err);
		}
		if (a->cfg.accept_routes && needs_os_route(a, &want.p[i]) &&
		    kernel_route_add(&a->k, &want.p[i])) {
			a->stats.kernel_errors++;
			log_warn("route %s: %s", s, a->k.err);
		}
	}
	p->routes_installed = true;
}

static int key_install(struct agent *a, struct peer *p,
		       const struct hs_keys *hk, uint8_t slot)
{
	struct aegis_key key;
	int ret;

	memset(&key, 0, sizeof(key));
	memcpy(key.node_id, p->id, AEGIS_NODE_ID_LEN);
	AEGIS_SET(&key, AEGIS_KEY_A_NODE_ID);
	key.slot = slot;
	AEGIS_SET(&key, AEGIS_KEY_A_SLOT);
	key.key_id = hk->key_id;
	AEGIS_SET(&key, AEGIS_KEY_A_KEY_ID);
	key.cipher = hk->cipher;
	AEGIS_SET(&key, AEGIS_KEY_A_CIPHER);
	key.rx_index = hk->rx_index;
	AEGIS_SET(&key, AEGIS_KEY_A_RX_INDEX);
	key.tx_index = hk->tx_index;
	AEGIS_SET(&key, AEGIS_KEY_A_TX_INDEX);
	memcpy(key.enc.key, hk->enc_key, AEGIS_KEY_LEN);
	memcpy(key.enc.salt, hk->enc_salt, AEGIS_NONCE_SALT_LEN);
	AEGIS_SET(&key, AEGIS_KEY_A_ENCRYPT);
	memcpy(key.dec.key, hk->dec_key, AEGIS_KEY_LEN);
	memcpy(key.dec.salt, hk->dec_salt, AEGIS_NONCE_SALT_LEN);
	AEGIS_SET(&key, AEGIS_KEY_A_DECRYPT);
	key.hard_lifetime = hard_lifetime(a);
	AEGIS_SET(&key, AEGIS_KEY_A_HARD_LIFETIME);

	ret = kernel_key_new(&a->k, &key);
	aegis_key_wipe(&key);
	return ret ? kernel_fail(a, "install key") : 0;
}

/* Empty the secondary slot (an old or an unconfirmed key). */
static int clear_secondary(struct agent *a, struct peer *p)
{
	int ret = kernel_key_del(&a->k, p->id, SECONDARY);

	p->old_key = false;
	p->await_confirm = false;
	if (ret && ret != -ENOENT)
		return kernel_fail(a, "delete key");
	return 0;
}

static bool key_confirmed(struct agent *a, struct peer *p, uint8_t slot,
			  uint64_t rx_index)
{
	struct aegis_key key;

	if (kernel_key_get(&a->k, p->id, slot, &key))
		return false;
	return key.rx_index == rx_index && AEGIS_HAS(&key, AEGIS_KEY_A_CONFIRMED);
}

/* A handshake finished: bookkeeping shared by both roles. */
static void session_established(struct agent *a, struct peer *p,
				bool initiator, uint8_t cipher, uint8_t key_id)
{
	char who[128];
	bool rotation = p->state == PEER_ESTABLISHED && p->has_primary;

	p->has_primary = true;
	p->state = PEER_ESTABLISHED;
	p->we_initiated = initiator;
	p->cipher = cipher;
	p->session_ms = clock_ms();
	p->last_handshake_wall = (uint64_t)time(NULL);
	p->attempts = 0;
	p->next_attempt_ms = 0;
	a->stats.handshakes++;
	if (rotation) {
		p->rotations++;
		a->stats.rotations++;
	}
	log_info("%s with %s (%s, %s, key id %u)",
		 rotation ? "keys rotated" : "session up",
		 peer_label(p, who, sizeof(who)),
		 initiator ? "initiator" : "responder",
		 config_cipher_name(cipher), key_id);
}

/* ---- initiator ------------------------------------------------------ */

static uint64_t next_timestamp(struct agent *a)
{
	uint64_t ts = clock_wall_ns();

	if (ts <= a->last_ts)
		ts = a->last_ts + 1;
	a->last_ts = ts;
	return ts;
}

int session_initiate(struct agent *a, struct peer *p, const char *why)
{
	uint64_t now = clock_ms();
	char who[128];
	int ret;

	if (!p->has_id || !p->ep_len)
		return -EINVAL;
	if (p->init_inflight && now - p->init_sent_ms < REKEY_TIMEOUT_MS)
		return 0;
	peer_reset_session(p);
	ret = hs_init_create(&a->hs, p->id, next_timestamp(a), &p->init);
	if (ret) {
		log_err("build initiation for %s: %s",
			peer_label(p, who, sizeof(who)), strerror(-ret));
		return ret;
	}
	p->init_inflight = true;
	p->init_sent_ms = now;
	if (p->state != PEER_ESTABLISHED)
		p->state = PEER_HANDSHAKE;
	a->stats.inits_tx++;
	log_debug("initiation to %s (%s)", peer_label(p, who, sizeof(who)), why);
	return session_send(a, (struct sockaddr *)&p->ep, p->ep_len, p->init.msg,
			    p->init.len);
}

int session_probe(struct agent *a, struct peer *p)
{
	struct wire_buf w;
	uint8_t scid[WIRE_CID_LEN];

	if (RAND_bytes(scid, sizeof(scid)) != 1)
		return -EIO;
	if (wire_build_probe(&w, scid))
		return -EMSGSIZE;
	return session_send(a, (struct sockaddr *)&p->ep, p->ep_len, w.data, w.len);
}

static void on_resp(struct agent *a, const uint8_t *buf, size_t len,
		    const struct sockaddr *src, socklen_t srclen)
{
	struct hs_peer info;
	struct hs_keys keys;
	struct wire_resp m;
	struct wire_buf w;
	enum hs_status st;
	struct peer *p;
	bool had_primary;

	if (wire_parse_resp(buf, len, &m)) {
		refuse(a, HS_MALFORMED, "response", src, NULL);
		return;
	}
	if (!hs_mac1_ok(a->id.node_id, buf, m.mac1_off, m.mac1)) {
		refuse(a, HS_BAD_MAC1, "response", src, NULL);
		return;
	}
	p = peer_find_init_index(a, m.receiver_index);
	if (!p) {
		refuse(a, HS_NO_MATCH, "response", src, NULL);
		return;
	}
	memset(&info, 0, sizeof(info));
	st = hs_resp_consume(&a->hs, &p->init, buf, len, &m, time(NULL), &info,
			     &keys);
	if (st != HS_OK) {
		refuse(a, st, "response", src, p->cert.name);
		return;
	}
	peer_reset_session(p);
	p->cert = info.cert;
	memcpy(&p->ep, src, srclen);
	p->ep_len = srclen;

	had_primary = p->has_primary;
	if (install_node(a, p) || clear_secondary(a, p) ||
	    key_install(a, p, &keys, SECONDARY))
		goto fail;
	if (kernel_key_swap(&a->k, p->id)) {
		kernel_fail(a, "swap keys");
		goto fail;
	}
	p->old_key = had_primary;
	p->old_since_ms = clock_ms();
	install_routes(a, p, &info.routes);

	if (!hs_confirm_create(&keys, &w))
		session_send(a, src, srclen, w.data, w.len);
	p->confirm_due = true;
	p->confirm_sent = 1;
	p->confirm_last_ms = clock_ms();
	keys_strip_secrets(&keys);
	p->confirm = keys;
	session_established(a, p, true, keys.cipher, keys.key_id);
	hs_keys_wipe(&keys);
	return;
fail:
	hs_keys_wipe(&keys);
	p->state = p->has_primary ? PEER_ESTABLISHED : PEER_FAILED;
	peer_schedule_retry(a, p, clock_ms());
}

static void on_cookie(struct agent *a, const uint8_t *buf, size_t len,
		      const struct sockaddr *src)
{
	struct wire_cookie m;
	struct peer *p;

	if (wire_parse_cookie(buf, len, &m)) {
		refuse(a, HS_MALFORMED, "cookie", src, NULL);
		return;
	}
	p = peer_find_init_index(a, m.receiver_index);
	if (!p || CRYPTO_memcmp(m.echo, p->init.msg + p->init.mac1_off,
				WIRE_MAC_LEN)) {
		refuse(a, HS_NO_MATCH, "cookie", src, NULL);
		return;
	}
	memcpy(p->cookie, m.cookie, WIRE_COOKIE_LEN);
	p->has_cookie = true;
	if (hs_init_add_cookie(&p->init, p->cookie))
		return;
	log_debug("responder is under load: initiation resent with a cookie");
	session_send(a, (struct sockaddr *)&p->ep, p->ep_len, p->init.msg,
		     p->init.len);
}

/* ---- responder ------------------------------------------------------ */

static void on_init(struct agent *a, const uint8_t *buf, size_t len,
		    const struct wire_hdr *hdr, const struct sockaddr *src,
		    socklen_t srclen)
{
	struct hs_peer info;
	struct hs_keys keys;
	struct wire_init m;
	struct wire_buf w;
	enum hs_status st;
	struct peer *p;

	if (wire_parse_init(buf, len, &m)) {
		refuse(a, HS_MALFORMED, "initiation", src, NULL);
		return;
	}
	if (!hs_mac1_ok(a->id.node_id, buf, m.mac1_off, m.mac1)) {
		refuse(a, HS_BAD_MAC1, "initiation", src, NULL);
		return;
	}
	a->stats.inits_rx++;

	/* The DoS gate: nothing below runs for a source it stops. */
	switch (cookie_gate_check(&a->gate, src, buf, m.mac1_off + WIRE_MAC_LEN,
				  m.mac2, clock_wall_ns())) {
	case COOKIE_SEND_COOKIE:
		if (!cookie_build_reply(&a->gate, src, m.sender_index, hdr->scid,
					m.mac1, clock_wall_ns(), &w)) {
			session_send(a, src, srclen, w.data, w.len);
			a->stats.cookies_sent++;
		}
		return;
	case COOKIE_DROP:
		a->stats.rate_limited++;
		return;
	case COOKIE_PASS:
		break;
	}

	a->stats.rsa_verifies++;
	memset(&info, 0, sizeof(info));
	st = hs_init_verify(&a->hs, buf, len, &m, time(NULL), &info);
	if (st != HS_OK) {
		refuse(a, st, "initiation", src, info.cert.name[0] ?
		       info.cert.name : NULL);
		return;
	}
	if (!memcmp(info.cert.node_id, a->id.node_id, AEGIS_NODE_ID_LEN)) {
		refuse(a, HS_WRONG_RESPONDER, "initiation", src, "(ourselves)");
		return;
	}
	p = peer_find_id(a, info.cert.node_id);
	if (!p) {
		p = peer_alloc(a);
		if (!p) {
			log_warn("peer table full: initiation from %s dropped",
				 info.cert.name);
			return;
		}
		p->has_id = true;
		memcpy(p->id, info.cert.node_id, AEGIS_NODE_ID_LEN);
		p->cert = info.cert;
	}
	if (info.timestamp <= p->last_init_ts) {
		refuse(a, HS_REPLAY, "initiation", src, info.cert.name);
		return;
	}
	if (p->init_inflight) {
		a->stats.simultaneous++;
		if (memcmp(a->id.node_id, p->id, AEGIS_NODE_ID_LEN) < 0) {
			/*
			 * Our INIT wins and the peer is to answer it. It may
			 * never have seen it (it was restarting, or it was
			 * lost): send it again now rather than after the
			 * retry timeout. A copy it already has is refused as
			 * a replay, harmlessly.
			 */
			log_debug("crossing initiations with %s: ours wins",
				  info.cert.name);
			session_send(a, src, srclen, p->init.msg, p->init.len);
			return;
		}
		log_debug("crossing initiations with %s: theirs wins",
			  info.cert.name);
		peer_reset_session(p);
	}
	p->last_init_ts = info.timestamp;
	p->cert = info.cert;
	memcpy(&p->ep, src, srclen);
	p->ep_len = srclen;

	if (hs_resp_create(&a->hs, buf, len, &m, &info, &w, &keys)) {
		refuse(a, HS_CRYPTO, "initiation", src, info.cert.name);
		return;
	}
	if (install_node(a, p) || clear_secondary(a, p) ||
	    key_install(a, p, &keys, SECONDARY)) {
		hs_keys_wipe(&keys);
		return;
	}
	install_routes(a, p, &info.routes);
	session_send(a, src, srclen, w.data, w.len);
	p->await_confirm = true;
	p->pending_ms = clock_ms();
	keys_strip_secrets(&keys);
	p->pending = keys;
	hs_keys_wipe(&keys);
	if (p->state != PEER_ESTABLISHED)
		p->state = PEER_HANDSHAKE;
}

/* The initiator has the new key: transmit with it too. */
static void activate_pending(struct agent *a, struct peer *p)
{
	bool had_primary = p->has_primary;

	if (kernel_key_swap(&a->k, p->id)) {
		kernel_fail(a, "swap keys");
		return;
	}
	p->await_confirm = false;
	p->confirm_due = false;		/* a CONFIRM of ours is moot now */
	hs_keys_wipe(&p->confirm);
	p->old_key = had_primary;
	p->old_since_ms = clock_ms();
	session_established(a, p, false, p->pending.cipher, p->pending.key_id);
	hs_keys_wipe(&p->pending);
}

static void on_confirm(struct agent *a, const uint8_t *buf, size_t len,
		       const struct sockaddr *src, socklen_t srclen)
{
	struct wire_confirm m;
	unsigned int i;

	if (wire_parse_confirm(buf, len, &m)) {
		refuse(a, HS_MALFORMED, "confirmation", src, NULL);
		return;
	}
	for (i = 0; i < AGENT_MAX_PEERS; i++) {
		struct peer *p = &a->peers[i];

		if (!p->used || !p->await_confirm ||
		    p->pending.rx_index != m.receiver_index ||
		    p->pending.tx_index != m.sender_index)
			continue;
		if (!hs_confirm_check(&p->pending, &m)) {
			refuse(a, HS_BAD_SIGNATURE, "confirmation", src,
			       p->cert.name);
			return;
		}
		memcpy(&p->ep, src, srclen);
		p->ep_len = srclen;
		activate_pending(a, p);
		return;
	}
	/* Resent CONFIRMs of a session already active land here: quiet. */
	a->stats.hs_reject[HS_NO_MATCH]++;
}

/* ---- discovery of static peers -------------------------------------- */

static void on_probe(struct agent *a, size_t len, const struct wire_hdr *hdr,
		     const struct sockaddr *src, socklen_t srclen)
{
	uint64_t now = clock_ms();
	uint8_t scid[WIRE_CID_LEN];
	struct wire_buf w;

	if (len < WIRE_MIN_INITIAL) {
		refuse(a, HS_MALFORMED, "probe", src, NULL);
		return;
	}
	/* HELLOs are cheap but not free: a global budget per second. */
	if (now - a->probe_window_ms >= 1000) {
		a->probe_window_ms = now;
		a->probe_count = 0;
	}
	if (++a->probe_count > COOKIE_LOAD_THRESHOLD) {
		a->stats.rate_limited++;
		return;
	}
	if (RAND_bytes(scid, sizeof(scid)) != 1)
		return;
	if (!wire_build_hello(&w, hdr->scid, scid, a->cert_der, a->cert_len))
		session_send(a, src, srclen, w.data, w.len);
}

static void on_hello(struct agent *a, const uint8_t *buf, size_t len,
		     const struct sockaddr *src)
{
	struct wire_hello m;
	struct cert_info info;
	enum cert_status cs;
	struct peer *p = NULL, *known;
	X509 *cert = NULL;
	unsigned int i;

	if (wire_parse_hello(buf, len, &m) ||
	    cert_from_der(m.cert, m.cert_len, &cert)) {
		refuse(a, HS_MALFORMED, "hello", src, NULL);
		return;
	}
	memset(&info, 0, sizeof(info));
	cs = cert_verify(a->ca, cert, time(NULL), NULL, &info);
	X509_free(cert);
	if (cs != CERT_OK) {
		refuse(a, hs_status_from_cert(cs), "hello", src,
		       info.name[0] ? info.name : NULL);
		return;
	}
	if (!memcmp(info.node_id, a->id.node_id, AEGIS_NODE_ID_LEN))
		return;		/* a static peer entry that is ourselves */

	for (i = 0; i < AGENT_MAX_PEERS; i++) {
		struct peer *q = &a->peers[i];

		if (q->used && !q->has_id && q->static_idx >= 0 &&
		    addr_equal((struct sockaddr *)&q->ep, src)) {
			p = q;
			break;
		}
	}
	if (!p) {
		a->stats.hs_reject[HS_NO_MATCH]++;
		return;
	}
	known = peer_find_id(a, info.node_id);
	if (known) {
		/* Met already (it initiated to us): merge the entries. */
		known->static_idx = p->static_idx;
		p->used = false;
		p = known;
	} else {
		p->has_id = true;
		memcpy(p->id, info.node_id, AEGIS_NODE_ID_LEN);
		p->cert = info;
		p->attempts = 0;
	}
	/* Unless it is handshaking with us already (it initiated first). */
	if (p->state != PEER_ESTABLISHED && !p->await_confirm)
		session_initiate(a, p, "static peer");
}

void session_on_datagram(struct agent *a, const uint8_t *buf, size_t len,
			 const struct sockaddr *src, socklen_t srclen)
{
	struct wire_hdr hdr;

	if (!wire_is_control(buf, len) || wire_parse_hdr(buf, len, &hdr)) {
		/* STUN and anything else: not ours (yet). */
		a->stats.garbage++;
		return;
	}
	switch (hdr.msg) {
	case WIRE_MSG_PROBE:
		on_probe(a, len, &hdr, src, srclen);
		break;
	case WIRE_MSG_HELLO:
		on_hello(a, buf, len, src);
		break;
	case WIRE_MSG_INIT:
		on_init(a, buf, len, &hdr, src, srclen);
		break;
	case WIRE_MSG_RESP:
		on_resp(a, buf, len, src, srclen);
		break;
	case WIRE_MSG_CONFIRM:
		on_confirm(a, buf, len, src, srclen);
		break;
	case WIRE_MSG_COOKIE:
		on_cookie(a, buf, len, src);
		break;
	default:
		a->stats.garbage++;
		break;
	}
}

/* ---- timers ---------------------------------------------------------- */

static void tick_static_unknown(struct agent *a, struct peer *p, uint64_t now)
{
	const struct cfg_peer *sp = &a->cfg.static_peers[p->static_idx];
	char err[256];

	if (now < p->next_attempt_ms)
		return;
	peer_schedule_retry(a, p, now);
	if (addr_resolve(sp->host, sp->port, &p->ep, &p->ep_len, err,
			 sizeof(err))) {
		log_warn("static peer %s:%u: %s", sp->host, sp->port, err);
		return;
	}
	session_probe(a, p);
}

static void tick_keys(struct agent *a, struct peer *p, uint64_t now)
{
	struct wire_buf w;

	/* Responder: the initiator uses the new key but CONFIRM was lost. */
	if (p->await_confirm) {
		if (key_confirmed(a, p, SECONDARY, p->pending.rx_index))
			activate_pending(a, p);
		else if (now - p->pending_ms > 2 * REKEY_TIMEOUT_MS)
			clear_secondary(a, p);
		if (!p->await_confirm && !p->has_primary && p->static_idx < 0) {
			/* A stranger that never finished: forget it all. */
			session_teardown(a, p);
			p->used = false;
		}
	}
	/* Initiator: resend CONFIRM until the responder sends on the key. */
	if (p->confirm_due) {
		if (key_confirmed(a, p, PRIMARY, p->confirm.rx_index)) {
			p->confirm_due = false;
			hs_keys_wipe(&p->confirm);
		} else if (now - p->confirm_last_ms >= 1000) {
			if (p->confirm_sent >= 1 + CONFIRM_RESENDS) {
				p->confirm_due = false;
				hs_keys_wipe(&p->confirm);
			} else if (!hs_confirm_create(&p->confirm, &w)) {
				session_send(a, (struct sockaddr *)&p->ep,
					     p->ep_len, w.data, w.len);
				p->confirm_sent++;
				p->confirm_last_ms = now;
			}
		}
	}
	/* The old key goes once the new one works both ways, or at worst
	 * when the next rotation needs the slot. */
	if (p->old_key && !p->confirm_due && now - p->old_since_ms >= grace_ms(a))
		clear_secondary(a, p);
}

static void tick_peer(struct agent *a, struct peer *p, uint64_t now)
{
	uint64_t interval = (uint64_t)a->cfg.rekey_interval * 1000;

	if (!p->has_id) {
		if (p->static_idx >= 0)
			tick_static_unknown(a, p, now);
		return;
	}
	if (p->init_inflight && now - p->init_sent_ms >= REKEY_TIMEOUT_MS) {
		char who[128];

		log_debug("no response from %s", peer_label(p, who, sizeof(who)));
		peer_reset_session(p);
		if (p->state != PEER_ESTABLISHED)
			p->state = PEER_FAILED;
		peer_schedule_retry(a, p, now);
	}
	tick_keys(a, p, now);
	if (!p->used)
		return;
	if (p->state == PEER_ESTABLISHED) {
		/* The initiator of a session rotates it; the responder only
		 * if the initiator has not, a little later. */
		uint64_t due = p->session_ms + interval;

		if (!p->we_initiated)
			due += interval / 10 + 1000;
		if (now >= due && !p->init_inflight && now >= p->next_attempt_ms)
			session_initiate(a, p, "rekey interval");
		return;
	}
	/* A responder waiting for CONFIRM does not start its own. */
	if (!p->init_inflight && !p->await_confirm && now >= p->next_attempt_ms) {
		if (p->static_idx >= 0 && p->state == PEER_FAILED &&
		    p->attempts > 2) {
			/* It may have moved or changed identity: ask again. */
			const struct cfg_peer *sp =
				&a->cfg.static_peers[p->static_idx];
			char err[256];

			if (!addr_resolve(sp->host, sp->port, &p->ep,
					  &p->ep_len, err, sizeof(err)))
				session_probe(a, p);
		}
		session_initiate(a, p, "retry");
		peer_schedule_retry(a, p, now);
	}
}

void session_tick(struct agent *a, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < AGENT_MAX_PEERS; i++)
		if (a->peers[i].used)
			tick_peer(a, &a->peers[i], now);
}

/* ---- kernel notifications -------------------------------------------- */

void session_on_kernel_event(const struct kernel_event *ev, void *arg)
{
	struct agent *a = arg;
	const uint8_t *id = NULL;
	struct peer *p;

	if (ev->has_node)
		id = ev->node.id;
	else if (ev->has_key)
		id = ev->key.node_id;
	if (ev->cmd == AEGIS_CMD_NTF_SOCK_CLOSED) {
		log_err("the kernel detached our UDP socket: exiting");
		a->stop = true;
		a->exit_code = 1;
		return;
	}
	if (!id)
		return;
	p = peer_find_id(a, id);
	if (!p)
		return;
	switch (ev->cmd) {
	case AEGIS_CMD_NTF_REKEY:
		session_initiate(a, p, "kernel: key soft limit");
		break;
	case AEGIS_CMD_NTF_KEY_EXPIRED:
		session_initiate(a, p, "kernel: key expired");
		break;
	case AEGIS_CMD_NTF_NO_KEY:
		if (!p->await_confirm)
			session_initiate(a, p, "kernel: traffic without a key");
		break;
	case AEGIS_CMD_NTF_PEER_IDLE:
		session_initiate(a, p, "kernel: peer idle");
		break;
	case AEGIS_CMD_NTF_ENDPOINT:
		if (ev->has_node && AEGIS_HAS(&ev->node, AEGIS_NODE_A_ENDPOINT_PORT)) {
			socklen_t len;

			if (!addr_from_endpoint(&ev->node.endpoint, &p->ep, &len))
				p->ep_len = len;
		}
		break;
	default:
		break;
	}
}

/* Leave the kernel as we found it for this peer. */
void session_teardown(struct agent *a, struct peer *p)
{
	remove_routes(a, p);
	if (p->kernel_node)
		kernel_node_del(&a->k, p->id);
	p->kernel_node = false;
	peer_reset_session(p);
	hs_keys_wipe(&p->pending);
	hs_keys_wipe(&p->confirm);
}
