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
 * key confirmed (AEGIS_CMD_NTF_KEY_CONFIRMED: a packet decrypted with it).
 *
 * Crossing INITs: the node with the lower node id stays initiator; the
 * other drops its own INIT and answers.
 *
 * Time: every wait is a timer the peer owns (peer/peer.h), armed here:
 * retry with backoff, the INIT's answer, rotation, the responder's wait
 * for CONFIRM, CONFIRM resends, the old key's grace. Nothing scans the
 * table on a tick. The kernel is asked about a key (KEY_GET) only when a
 * wait ends or notifications were lost, never polled.
 *
 * Only this file and keys.c (which it calls) touch the kernel's key slots.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/agent.h"
#include "core/log.h"
#include "fib/fib.h"
#include "hex.h"
#include "mesh/mesh.h"
#include "session/keys.h"
#include "session/session.h"
#include "transport/addr.h"
#include "transport/udp.h"

#define LOG_BURST_PER_SEC	10

/* The kernel key slots. */
#define PRIMARY		AEGIS_KEY_SLOT_PRIMARY
#define SECONDARY	AEGIS_KEY_SLOT_SECONDARY

static void arm(struct agent *a, struct timer *t, uint64_t deadline)
{
	if (timer_arm(&a->timers, t, deadline))
		log_err("out of memory arming a timer");
}

/*
 * Refusals are counted always and logged at most LOG_BURST_PER_SEC a
 * second, so that a flood cannot fill the journal.
 */
static bool log_allowed(struct agent *a)
{
	static const uint64_t window = 1000;
	uint64_t now = a->now;

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
	OPENSSL_cleanse(k->mesh_enc_key, sizeof(k->mesh_enc_key));
	OPENSSL_cleanse(k->mesh_dec_key, sizeof(k->mesh_dec_key));
}

/*
 * The mesh channel's keys follow the kernel's key slots: PEER_CHAN_CUR
 * pairs with the key we transmit with, PEER_CHAN_ALT with the secondary
 * slot (the responder's key awaiting CONFIRM, or the old key in its
 * grace). A MESH packet on either opens; we send on the current one.
 */
static void chan_set(struct agent *a, struct peer *p, int slot,
		     const struct hs_keys *hk)
{
	if (hk)
		chan_keys_from_hs(&p->chan[slot], hk);
	else
		chan_keys_wipe(&p->chan[slot]);
	peer_index_chans(&a->peers, p);
}

/* The secondary slot's key became the primary: so does its channel. */
static void chan_swap(struct agent *a, struct peer *p)
{
	struct chan_keys t = p->chan[PEER_CHAN_CUR];

	p->chan[PEER_CHAN_CUR] = p->chan[PEER_CHAN_ALT];
	p->chan[PEER_CHAN_ALT] = t;
	chan_keys_wipe(&t);
	peer_index_chans(&a->peers, p);
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

/* A control packet to p: through the mesh when p is routed through a
 * relay (or we know no endpoint of it), else to its endpoint. */
static int send_to_peer(struct agent *a, struct peer *p, const uint8_t *buf,
			size_t n)
{
	if ((p->has_via || !p->ep_len) && p->has_id &&
	    !mesh_relay_send(a, p->id, buf, n))
		return 0;
	if (!p->ep_len)
		return -EHOSTUNREACH;
	return udp_send(a, (struct sockaddr *)&p->ep, buf, n);
}

/* The answer to what came from src: back through the mesh if it came
 * that way (session_on_relayed()). */
static int reply(struct agent *a, const struct sockaddr *src,
		 const uint8_t *buf, size_t n)
{
	if (a->rx_relayed)
		return mesh_relay_send(a, a->rx_relayed, buf, n);
	return udp_send(a, src, buf, n);
}

/* Where p is: src, unless the packet came through the mesh (src is then
 * a relay's address, not p's). */
static void learn_ep(struct agent *a, struct peer *p,
		     const struct sockaddr *src, socklen_t srclen)
{
	if (a->rx_relayed)
		return;
	memcpy(&p->ep, src, srclen);
	p->ep_len = srclen;
}

/* ---- what the fib is to install for a peer ----------------------------- */

/* Bring the kernel in line with what was just wanted. */
static int fib_apply(struct agent *a, const char *what)
{
	struct fib_sync_result r;

	if (!fib_sync(a->fib, &r))
		return 0;
	if (r.errors) {
		a->stats.kernel_errors += r.errors;
		log_warn("%s: %u kernel call(s) failed: %s (retried)", what,
			 r.errors, strerror(-r.first_err));
	}
	return r.first_err;
}

/* Node, endpoint and keepalive; the relay flag if our certificate has it. */
static int install_node(struct agent *a, struct peer *p)
{
	struct aegis_udp_endpoint ep;
	uint32_t flags = 0;

	/* A member met only through the mesh has no endpoint: none. */
	if (p->ep_len && addr_to_endpoint((struct sockaddr *)&p->ep, &ep))
		return -EINVAL;
	if (a->me.roles & CERT_ROLE_RELAY)
		flags |= AEGIS_NODE_F_RELAY;
	if (fib_node_want(a->fib, p->id, p->ep_len ? &ep : NULL,
			  p->has_via ? p->via : NULL,
			  a->cfg.persistent_keepalive, flags))
		return kernel_fail(a, "install node");
	if (fib_apply(a, "install node") || !fib_node_installed(a->fib, p->id))
		return -EIO;
	return 0;
}

int session_set_via(struct agent *a, struct peer *p, const uint8_t *via)
{
	struct aegis_udp_endpoint ep;
	uint32_t flags = 0;

	if (!via == !p->has_via &&
	    (!via || !memcmp(via, p->via, sizeof(p->via))))
		return 0;
	p->has_via = via != NULL;
	if (via)
		memcpy(p->via, via, sizeof(p->via));
	else
		memset(p->via, 0, sizeof(p->via));
	/* Only a node in the kernel is re-pointed; install_node() uses
	 * p->via when it comes. */
	if (!p->has_id || !fib_node_installed(a->fib, p->id) ||
	    (p->ep_len && addr_to_endpoint((struct sockaddr *)&p->ep, &ep)))
		return 1;
	if (a->me.roles & CERT_ROLE_RELAY)
		flags |= AEGIS_NODE_F_RELAY;
	if (fib_node_want(a->fib, p->id, p->ep_len ? &ep : NULL, via,
			  a->cfg.persistent_keepalive, flags)) {
		kernel_fail(a, "next hop");
		return -EIO;
	}
	return 1;
}

void session_fib_sync(struct agent *a, const char *what)
{
	fib_apply(a, what);
}

/* An advertised route needs a kernel route unless the mesh covers it. */
static bool needs_os_route(const struct agent *a, const struct aegis_prefix *p)
{
	const struct aegis_prefix *net = p->addr.family == AF_INET ?
		&a->cfg.network_cidr : &a->cfg.network_cidr6;

	return !aegis_prefix_contains(net, p);
}

/*
 * The peer's prefixes: its certified mesh IPs as host prefixes, plus the
 * routes it advertised (already checked against its certificate). The
 * fib installs only what changed.
 */
static void install_routes(struct agent *a, struct peer *p,
			   const struct wire_routes *adv)
{
	struct fib_prefix want[WIRE_MAX_ROUTES];
	unsigned int i, n = 0;

	memset(&p->routes, 0, sizeof(p->routes));
	for (i = 0; i < p->cert.n_ips && n < WIRE_MAX_ROUTES; i++) {
		struct aegis_prefix *h = &p->routes.p[n++];

		h->addr = p->cert.ips[i];
		h->len = (uint8_t)(aegis_addr_len(h->addr.family) * 8);
	}
	for (i = 0; i < adv->n && n < WIRE_MAX_ROUTES; i++)
		p->routes.p[n++] = adv->p[i];
	p->routes.n = n;
	for (i = 0; i < n; i++) {
		want[i].prefix = p->routes.p[i];
		want[i].os_route = a->cfg.accept_routes &&
				   needs_os_route(a, &p->routes.p[i]);
	}
	if (fib_prefixes_want(a->fib, p->id, want, n)) {
		a->stats.kernel_errors++;
		log_warn("prefixes for %s: out of memory or invalid",
			 p->cert.name);
		return;
	}
	p->routes_known = true;
	fib_apply(a, "install prefixes");
}

int session_idle_install(struct agent *a, struct peer *p,
			 const struct cert_info *ci,
			 const struct aegis_prefix *adv, unsigned int n_adv)
{
	struct wire_routes routes;

	if (!p->has_id || !p->ep_len || n_adv > WIRE_MAX_ROUTES)
		return -EINVAL;
	p->cert = *ci;
	p->state = PEER_IDLE;
	if (install_node(a, p))
		return -EIO;
	routes.n = n_adv;
	memcpy(routes.p, adv, n_adv * sizeof(adv[0]));
	install_routes(a, p, &routes);
	return 0;
}

static int key_install(struct agent *a, struct peer *p,
		       const struct hs_keys *hk, uint8_t slot)
{
	if (keys_install(&a->k, p->id, hk, slot, hard_lifetime(a)))
		return kernel_fail(a, "install key");
	return 0;
}

static int key_swap(struct agent *a, struct peer *p)
{
	return keys_swap(&a->k, p->id) ? kernel_fail(a, "swap keys") : 0;
}

/* Ask the kernel once whether a key has been confirmed: after lost
 * notifications, and before giving a key up. */
static bool key_confirmed(struct agent *a, struct peer *p, uint8_t slot,
			  uint64_t rx_index)
{
	return keys_confirmed(&a->k, p->id, slot, rx_index);
}

static void stop_confirm(struct agent *a, struct peer *p)
{
	p->confirm_due = false;
	hs_keys_wipe(&p->confirm);
	timer_cancel(&a->timers, &p->t_confirm);
}

static void stop_pending(struct agent *a, struct peer *p)
{
	p->await_confirm = false;
	peer_set_pending_index(&a->peers, p, 0);
	hs_keys_wipe(&p->pending);
	timer_cancel(&a->timers, &p->t_pending);
}

/* Empty the secondary slot (an old or an unconfirmed key). */
static int clear_secondary(struct agent *a, struct peer *p)
{
	int ret = keys_del(&a->k, p->id, SECONDARY);

	p->old_key = false;
	timer_cancel(&a->timers, &p->t_grace);
	if (p->await_confirm)
		stop_pending(a, p);
	chan_set(a, p, PEER_CHAN_ALT, NULL);
	if (ret)
		return kernel_fail(a, "delete key");
	return 0;
}

/* The old key moved to the secondary slot: it leaves after the grace. */
static void keep_old_key(struct agent *a, struct peer *p, bool had_primary)
{
	p->old_key = had_primary;
	p->old_since_ms = a->now;
	if (had_primary)
		arm(a, &p->t_grace, a->now + grace_ms(a));
}

/* A handshake finished: bookkeeping shared by both roles. */
static void session_established(struct agent *a, struct peer *p,
				bool initiator, uint8_t cipher, uint8_t key_id)
{
	uint64_t interval = (uint64_t)a->cfg.rekey_interval * 1000;
	bool rotation = p->state == PEER_ESTABLISHED && p->has_primary;
	char who[128];

	p->has_primary = true;
	p->state = PEER_ESTABLISHED;
	p->we_initiated = initiator;
	p->cipher = cipher;
	p->session_ms = a->now;
	p->last_handshake_wall = (uint64_t)time(NULL);
	p->attempts = 0;
	timer_cancel(&a->timers, &p->t_retry);
	/* The initiator of a session rotates it; the responder only if the
	 * initiator has not, a little later. */
	if (!initiator)
		interval += interval / 10 + 1000;
	arm(a, &p->t_rekey, a->now + interval);
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
	mesh_peer_up(a, p, !rotation);
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
	struct hs_init_state *st;
	char who[128];
	int ret;

	if (!p->has_id || !p->ep_len)
		return -EINVAL;
	if (p->init)
		return 0;	/* in flight: t_init decides when to retry */
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	ret = hs_init_create(&a->hs, p->id, next_timestamp(a), st);
	if (ret) {
		free(st);
		log_err("build initiation for %s: %s",
			peer_label(p, who, sizeof(who)), strerror(-ret));
		return ret;
	}
	p->has_cookie = false;
	p->init = st;
	peer_set_init_index(&a->peers, p, st->sender_index);
	arm(a, &p->t_init, a->now + REKEY_TIMEOUT_MS);
	if (p->state != PEER_ESTABLISHED)
		p->state = PEER_HANDSHAKE;
	a->stats.inits_tx++;
	log_debug("initiation to %s (%s)", peer_label(p, who, sizeof(who)), why);
	return send_to_peer(a, p, st->msg, st->len);
}

int session_probe(struct agent *a, struct peer *p)
{
	struct wire_buf w;
	uint8_t scid[WIRE_CID_LEN];

	if (RAND_bytes(scid, sizeof(scid)) != 1)
		return -EIO;
	if (wire_build_probe(&w, scid))
		return -EMSGSIZE;
	return send_to_peer(a, p, w.data, w.len);
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
	p = peer_find_init_index(&a->peers, m.receiver_index);
	if (!p) {
		refuse(a, HS_NO_MATCH, "response", src, NULL);
		return;
	}
	memset(&info, 0, sizeof(info));
	st = hs_resp_consume(&a->hs, p->init, buf, len, &m, time(NULL), &info,
			     &keys);
	if (st != HS_OK) {
		refuse(a, st, "response", src, p->cert.name);
		return;
	}
	peer_reset_init(&a->peers, p);
	p->cert = info.cert;
	learn_ep(a, p, src, srclen);

	had_primary = p->has_primary;
	if (install_node(a, p) || clear_secondary(a, p) ||
	    key_install(a, p, &keys, SECONDARY))
		goto fail;
	chan_set(a, p, PEER_CHAN_ALT, &keys);
	if (key_swap(a, p))
		goto fail;
	chan_swap(a, p);
	keep_old_key(a, p, had_primary);
	install_routes(a, p, &info.routes);

	if (!hs_confirm_create(&keys, &w))
		reply(a, src, w.data, w.len);
	p->confirm_due = true;
	p->confirm_sent = 1;
	arm(a, &p->t_confirm, a->now + CONFIRM_RESEND_MS);
	keys_strip_secrets(&keys);
	p->confirm = keys;
	session_established(a, p, true, keys.cipher, keys.key_id);
	hs_keys_wipe(&keys);
	return;
fail:
	hs_keys_wipe(&keys);
	p->state = p->has_primary ? PEER_ESTABLISHED : PEER_FAILED;
	peer_schedule_retry(&a->peers, p, a->now);
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
	p = peer_find_init_index(&a->peers, m.receiver_index);
	if (!p || CRYPTO_memcmp(m.echo, p->init->msg + p->init->mac1_off,
				WIRE_MAC_LEN)) {
		refuse(a, HS_NO_MATCH, "cookie", src, NULL);
		return;
	}
	memcpy(p->cookie, m.cookie, WIRE_COOKIE_LEN);
	p->has_cookie = true;
	if (hs_init_add_cookie(p->init, p->cookie))
		return;
	log_debug("responder is under load: initiation resent with a cookie");
	send_to_peer(a, p, p->init->msg, p->init->len);
}

/* ---- responder ------------------------------------------------------ */

static const timer_fn peer_timer_fns[6];

/* The peer table's hook: whatever frees a peer, its DNS lookup goes too
 * (the lookup's callback holds the peer). */
static void peer_gone(struct peer *p, void *arg)
{
	struct agent *a = arg;

	if (p->lookup)
		resolve_cancel(&a->resolver, p->lookup);
	p->lookup = NULL;
	mesh_peer_free(a, p);
}

struct peer *session_peer_new(struct agent *a)
{
	a->peers.on_free = peer_gone;
	a->peers.on_free_arg = a;
	return peer_alloc(&a->peers, a, peer_timer_fns);
}

/* Forget a peer entirely: its kernel state, its keys, its entry. */
static void forget(struct agent *a, struct peer *p)
{
	session_teardown(a, p);
	peer_free(&a->peers, p);
}

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

	/* The DoS gate: nothing below runs for a source it stops. What
	 * came through the mesh was rate-limited per neighbour already, and
	 * a cookie cannot go back through relays. */
	switch (a->rx_relayed ? COOKIE_PASS :
		cookie_gate_check(&a->gate, src, buf, m.mac1_off + WIRE_MAC_LEN,
				  m.mac2, clock_wall_ns())) {
	case COOKIE_SEND_COOKIE:
		if (!cookie_build_reply(&a->gate, src, m.sender_index, hdr->scid,
					m.mac1, clock_wall_ns(), &w)) {
			udp_send(a, src, w.data, w.len);
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
	/* Through the mesh, the source named in the relay header must be
	 * the one who signed: replies go back to it. */
	if (a->rx_relayed && memcmp(info.cert.node_id, a->rx_relayed,
				    AEGIS_NODE_ID_LEN)) {
		refuse(a, HS_NO_MATCH, "relayed initiation", src,
		       info.cert.name);
		return;
	}
	p = peer_find_id(&a->peers, info.cert.node_id);
	if (!p) {
		p = session_peer_new(a);
		if (!p) {
			a->stats.table_full++;
			log_warn("peer table full (%zu): initiation from %s dropped",
				 a->peers.count, info.cert.name);
			return;
		}
		peer_set_id(&a->peers, p, info.cert.node_id);
		p->cert = info.cert;
		mesh_route_peer_new(a, p);
	}
	if (info.timestamp <= p->last_init_ts) {
		refuse(a, HS_REPLAY, "initiation", src, info.cert.name);
		return;
	}
	if (p->init) {
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
			reply(a, src, p->init->msg, p->init->len);
			return;
		}
		log_debug("crossing initiations with %s: theirs wins",
			  info.cert.name);
		peer_reset_init(&a->peers, p);
	}
	p->last_init_ts = info.timestamp;
	p->cert = info.cert;
	learn_ep(a, p, src, srclen);

	if (hs_resp_create(&a->hs, buf, len, &m, &info, &w, &keys)) {
		refuse(a, HS_CRYPTO, "initiation", src, info.cert.name);
		return;
	}
	if (install_node(a, p) || clear_secondary(a, p) ||
	    key_install(a, p, &keys, SECONDARY)) {
		hs_keys_wipe(&keys);
		return;
	}
	chan_set(a, p, PEER_CHAN_ALT, &keys);
	install_routes(a, p, &info.routes);
	reply(a, src, w.data, w.len);
	p->await_confirm = true;
	keys_strip_secrets(&keys);
	p->pending = keys;
	hs_keys_wipe(&keys);
	peer_set_pending_index(&a->peers, p, p->pending.rx_index);
	arm(a, &p->t_pending, a->now + 2 * REKEY_TIMEOUT_MS);
	if (p->state != PEER_ESTABLISHED)
		p->state = PEER_HANDSHAKE;
}

/* The initiator has the new key: transmit with it too. */
static void activate_pending(struct agent *a, struct peer *p)
{
	bool had_primary = p->has_primary;
	uint8_t cipher = p->pending.cipher, key_id = p->pending.key_id;

	if (key_swap(a, p))
		return;
	chan_swap(a, p);
	stop_pending(a, p);
	stop_confirm(a, p);		/* a CONFIRM of ours is moot now */
	keep_old_key(a, p, had_primary);
	session_established(a, p, false, cipher, key_id);
}

void session_chan_confirmed(struct agent *a, struct peer *p, uint64_t rx_index)
{
	if (p->await_confirm && p->pending.rx_index == rx_index)
		activate_pending(a, p);
}

static void on_confirm(struct agent *a, const uint8_t *buf, size_t len,
		       const struct sockaddr *src, socklen_t srclen)
{
	struct wire_confirm m;
	struct peer *p;

	if (wire_parse_confirm(buf, len, &m)) {
		refuse(a, HS_MALFORMED, "confirmation", src, NULL);
		return;
	}
	p = peer_find_pending_index(&a->peers, m.receiver_index);
	if (!p || !p->await_confirm || p->pending.tx_index != m.sender_index) {
		/* Resent CONFIRMs of a session already active land here:
		 * quiet. */
		a->stats.hs_reject[HS_NO_MATCH]++;
		return;
	}
	if (!hs_confirm_check(&p->pending, &m)) {
		refuse(a, HS_BAD_SIGNATURE, "confirmation", src, p->cert.name);
		return;
	}
	learn_ep(a, p, src, srclen);
	activate_pending(a, p);
}

/* ---- discovery of static peers -------------------------------------- */

static void on_probe(struct agent *a, size_t len, const struct wire_hdr *hdr,
		     const struct sockaddr *src)
{
	uint8_t scid[WIRE_CID_LEN];
	struct wire_buf w;

	if (len < WIRE_MIN_INITIAL) {
		refuse(a, HS_MALFORMED, "probe", src, NULL);
		return;
	}
	/* HELLOs are cheap but not free: a global budget per second. */
	if (a->now - a->probe_window_ms >= 1000) {
		a->probe_window_ms = a->now;
		a->probe_count = 0;
	}
	if (++a->probe_count > COOKIE_LOAD_THRESHOLD) {
		a->stats.rate_limited++;
		return;
	}
	if (RAND_bytes(scid, sizeof(scid)) != 1)
		return;
	if (!wire_build_hello(&w, hdr->scid, scid, a->cert_der, a->cert_len))
		udp_send(a, src, w.data, w.len);
}

/* The static peer whose endpoint is src and whose identity is unknown. */
static struct peer *static_at(struct agent *a, const struct sockaddr *src)
{
	unsigned int i;

	for (i = 0; i < a->cfg.n_peers; i++) {
		struct peer *q = peer_find_static(&a->peers, (int)i);

		if (q && !q->has_id && q->ep_len &&
		    addr_equal((struct sockaddr *)&q->ep, src))
			return q;
	}
	return NULL;
}

static void on_hello(struct agent *a, const uint8_t *buf, size_t len,
		     const struct sockaddr *src)
{
	struct wire_hello m;
	struct cert_info info;
	enum cert_status cs;
	struct peer *p, *known;
	X509 *cert = NULL;

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
	if (revoke_contains(&a->revoked, info.node_id)) {
		refuse(a, HS_CERT_REVOKED, "hello", src, info.name);
		return;
	}

	p = static_at(a, src);
	if (!p) {
		a->stats.hs_reject[HS_NO_MATCH]++;
		return;
	}
	known = peer_find_id(&a->peers, info.node_id);
	if (known) {
		/* Met already (it initiated to us): merge the entries. */
		int idx = p->static_idx;

		forget(a, p);
		peer_set_static(&a->peers, known, idx);
		p = known;
	} else {
		peer_set_id(&a->peers, p, info.node_id);
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

	if (wire_parse_hdr(buf, len, &hdr)) {
		a->stats.garbage++;
		return;
	}
	switch (hdr.msg) {
	case WIRE_MSG_PROBE:
		on_probe(a, len, &hdr, src);
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
	case WIRE_MSG_MESH:
		mesh_on_datagram(a, buf, len, src, srclen);
		break;
	default:
		a->stats.garbage++;
		break;
	}
}

void session_on_relayed(struct agent *a, const uint8_t *src_id,
			struct peer *hop, const uint8_t *buf, size_t len)
{
	struct wire_hdr hdr;

	if (wire_parse_hdr(buf, len, &hdr) || !hop->ep_len) {
		a->stats.garbage++;
		return;
	}
	a->rx_relayed = src_id;
	switch (hdr.msg) {
	case WIRE_MSG_INIT:
		on_init(a, buf, len, &hdr, (struct sockaddr *)&hop->ep,
			hop->ep_len);
		break;
	case WIRE_MSG_RESP:
		on_resp(a, buf, len, (struct sockaddr *)&hop->ep, hop->ep_len);
		break;
	case WIRE_MSG_CONFIRM:
		on_confirm(a, buf, len, (struct sockaddr *)&hop->ep,
			   hop->ep_len);
		break;
	default:
		a->stats.garbage++;	/* wire_mesh lets nothing else by */
		break;
	}
	a->rx_relayed = NULL;
}

/* ---- static peers: where they are ------------------------------------ */

static void resolved(void *arg, int err, const struct sockaddr *sa,
		     socklen_t len, const char *errmsg)
{
	struct peer *p = arg;
	struct agent *a = p->agent;
	const struct cfg_peer *sp;

	p->lookup = NULL;
	if (p->static_idx < 0)
		return;
	sp = &a->cfg.static_peers[p->static_idx];
	if (err) {
		log_warn("static peer %s:%u: %s", sp->host, sp->port, errmsg);
		return;
	}
	memcpy(&p->ep, sa, len);
	p->ep_len = len;
	session_probe(a, p);
}

/* Look the static host up again (never blocking) and probe it there. */
static void locate_static(struct agent *a, struct peer *p)
{
	const struct cfg_peer *sp = &a->cfg.static_peers[p->static_idx];

	if (p->lookup)
		return;		/* one lookup at a time */
	if (resolve_start(&a->resolver, sp->host, sp->port, AF_UNSPEC,
			  resolved, p, &p->lookup))
		log_warn("static peer %s:%u: cannot start a lookup",
			 sp->host, sp->port);
}

/* ---- timers ---------------------------------------------------------- */

/* Next attempt: a static peer of unknown identity is probed; a known one
 * is initiated to. */
static void on_retry(struct timer *t, uint64_t now)
{
	struct peer *p = container_of(t, struct peer, t_retry);
	struct agent *a = p->agent;

	a->now = now;
	if (!p->has_id) {
		peer_schedule_retry(&a->peers, p, now);
		if (p->static_idx >= 0)
			locate_static(a, p);
		return;
	}
	/* A responder waiting for CONFIRM does not start its own. */
	if (p->init || p->await_confirm) {
		peer_schedule_retry(&a->peers, p, now);
		return;
	}
	/* It may have moved or changed identity: ask again. */
	if (p->static_idx >= 0 && p->state == PEER_FAILED && p->attempts > 2)
		locate_static(a, p);
	session_initiate(a, p, "retry");
	if (p->state != PEER_ESTABLISHED)
		peer_schedule_retry(&a->peers, p, now);
}

static void on_init_timeout(struct timer *t, uint64_t now)
{
	struct peer *p = container_of(t, struct peer, t_init);
	struct agent *a = p->agent;
	char who[128];

	a->now = now;
	log_debug("no response from %s", peer_label(p, who, sizeof(who)));
	peer_reset_init(&a->peers, p);
	if (p->on_demand && p->state != PEER_ESTABLISHED) {
		/* Traffic (NO_KEY) or the mesh asks again. */
		p->state = PEER_IDLE;
		p->attempts++;
		return;
	}
	if (p->state != PEER_ESTABLISHED)
		p->state = PEER_FAILED;
	peer_schedule_retry(&a->peers, p, now);
}

static void on_rekey(struct timer *t, uint64_t now)
{
	struct peer *p = container_of(t, struct peer, t_rekey);
	struct agent *a = p->agent;

	a->now = now;
	if (!p->init && !timer_armed(&p->t_retry))
		session_initiate(a, p, "rekey interval");
}

/* Responder: CONFIRM never came and the kernel saw no packet on the key
 * (asked once, in case a notification was lost): give it up. */
static void on_pending_timeout(struct timer *t, uint64_t now)
{
	struct peer *p = container_of(t, struct peer, t_pending);
	struct agent *a = p->agent;

	a->now = now;
	if (key_confirmed(a, p, SECONDARY, p->pending.rx_index)) {
		activate_pending(a, p);
		return;
	}
	clear_secondary(a, p);
	if (!p->has_primary && p->static_idx < 0)
		forget(a, p);	/* a stranger that never finished */
}

/* Initiator: resend CONFIRM until the responder sends on the new key. */
static void on_confirm_timer(struct timer *t, uint64_t now)
{
	struct peer *p = container_of(t, struct peer, t_confirm);
	struct agent *a = p->agent;
	struct wire_buf w;

	a->now = now;
	if (key_confirmed(a, p, PRIMARY, p->confirm.rx_index) ||
	    p->confirm_sent >= 1 + CONFIRM_RESENDS) {
		stop_confirm(a, p);
		return;
	}
	if (!hs_confirm_create(&p->confirm, &w)) {
		send_to_peer(a, p, w.data, w.len);
		p->confirm_sent++;
	}
	arm(a, &p->t_confirm, now + CONFIRM_RESEND_MS);
}

/* The old key goes once the new one works both ways, or at worst when the
 * next rotation needs the slot. */
static void on_grace(struct timer *t, uint64_t now)
{
	struct peer *p = container_of(t, struct peer, t_grace);
	struct agent *a = p->agent;

	a->now = now;
	if (!p->old_key)
		return;
	if (p->confirm_due) {
		arm(a, &p->t_grace, now + CONFIRM_RESEND_MS);
		return;
	}
	clear_secondary(a, p);
}

static const timer_fn peer_timer_fns[6] = {
	on_retry, on_init_timeout, on_rekey, on_pending_timeout,
	on_confirm_timer, on_grace,
};

/* A static peer to find: probe it now. */
void session_start_static(struct agent *a, struct peer *p)
{
	arm(a, &p->t_retry, a->now);
}

/* ---- kernel notifications -------------------------------------------- */

/* The kernel decrypted a first packet with a key. */
static void key_confirmed_event(struct agent *a, struct peer *p,
				uint64_t rx_index)
{
	if (p->await_confirm && p->pending.rx_index == rx_index)
		activate_pending(a, p);		/* CONFIRM was lost */
	else if (p->confirm_due && p->confirm.rx_index == rx_index)
		stop_confirm(a, p);		/* the responder sends on it */
}

/* Notifications were lost: ask the kernel about what we wait for. */
void session_resync(struct agent *a)
{
	struct peer *p, *next;

	for (p = peer_first(&a->peers); p; p = next) {
		next = peer_next(p);
		if (p->await_confirm &&
		    key_confirmed(a, p, SECONDARY, p->pending.rx_index))
			activate_pending(a, p);
		if (p->confirm_due &&
		    key_confirmed(a, p, PRIMARY, p->confirm.rx_index))
			stop_confirm(a, p);
	}
}

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
	p = peer_find_id(&a->peers, id);
	if (!p)
		return;
	switch (ev->cmd) {
	case AEGIS_CMD_NTF_KEY_CONFIRMED:
		if (ev->has_key && AEGIS_HAS(&ev->key, AEGIS_KEY_A_RX_INDEX))
			key_confirmed_event(a, p, ev->key.rx_index);
		break;
	case AEGIS_CMD_NTF_REKEY:
		session_initiate(a, p, "kernel: key soft limit");
		break;
	case AEGIS_CMD_NTF_KEY_EXPIRED:
		session_initiate(a, p, "kernel: key expired");
		break;
	case AEGIS_CMD_NTF_NO_KEY:
		/*
		 * Sent when the kernel dropped a packet for want of a key; one
		 * raised before the handshake that was then under way
		 * finished arrives after it: a session up has its key.
		 */
		if (!p->await_confirm &&
		    !(p->state == PEER_ESTABLISHED && p->has_primary))
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
	if (p->has_id && !fib_node_unwant(a->fib, p->id))
		fib_apply(a, "remove node");
	p->routes_known = false;
	peer_reset_init(&a->peers, p);
	if (p->lookup)
		resolve_cancel(&a->resolver, p->lookup);
	p->lookup = NULL;
	stop_pending(a, p);
	stop_confirm(a, p);
	chan_set(a, p, PEER_CHAN_CUR, NULL);
	chan_set(a, p, PEER_CHAN_ALT, NULL);
	mesh_peer_down(a, p);
}

unsigned int session_revoke(struct agent *a, struct revoke_list *next)
{
	char name[AEGIS_NODE_ID_SHORT_SIZE];
	struct peer *p, *n;
	unsigned int ended = 0;

	revoke_free(&a->revoked);
	a->revoked = *next;
	memset(next, 0, sizeof(*next));
	a->hs.revoked = &a->revoked;
	for (p = peer_first(&a->peers); p; p = n) {
		n = peer_next(p);
		if (!p->has_id || !revoke_contains(&a->revoked, p->id))
			continue;
		log_warn("peer %s (%s) is revoked by the CA: session ended",
			 p->cert.name, aegis_node_id_short(p->id, name));
		session_teardown(a, p);
		peer_free(&a->peers, p);
		ended++;
	}
	return ended;
}
