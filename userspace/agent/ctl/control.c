// SPDX-License-Identifier: MIT
/*
 * The agent's side of the control socket (control.h): the server of
 * server.c on the agent's loop and timer heap, answering with the status
 * as JSON. The text of `aegis-agent status` is made from this document by
 * the client (render.c), so every key it reads must stay.
 *
 * The document (selftests/ and docs/ read these keys):
 *
 *   node      name, id (64 hex digits), network, mesh_ip, mesh_ip6 (only
 *             when configured), interface, listen_port, cipher,
 *             rekey_interval (s), uptime (s), roles ("relay", "exit",
 *             "relay,exit" or "-"), cert_expires (Unix time)
 *   peers[]   id ("" until known), name ("" until known), endpoint (""
 *             if none), state, static, last_handshake_ago (s, null:
 *             never), key_age (s, null: no key in the kernel), cipher and
 *             role ("initiator"/"responder"; both "" without a session),
 *             rotations, rx_bytes, tx_bytes, rx_packets, tx_packets,
 *             routes[] (prefixes)
 *   routes[]  prefix, peer (its name)
 *   counters  handshakes, rotations, initiations_sent,
 *             initiations_received, rsa_verifies, cookies_sent,
 *             rate_limited, garbage, simultaneous, kernel_errors, stun,
 *             table_full, send_errors, notifications_lost, peers (held),
 *             timers (armed), dns_pending (lookups under way),
 *             refused {reason: count, ...} in the order of enum hs_status
 *   mesh      discovery (bool), self_seq, neighbours, members[] (id,
 *             name ("" unless we hold a session), seq, age (s since its
 *             record came), expires_in (s), endpoints[] ("addr:port"),
 *             prefixes[], leaving, session (peer state, "" for none)),
 *             counters {rx_packets, rx_bytes, tx_packets, tx_bytes,
 *             channel {verdict: count}, bad_bundle, rate_limited
 *             (messages over a peer's 500/s, burst 2000), records {verdict:
 *             count}, records_sent, certs_sent, crls_sent, obj_refused,
 *             obj_expired, crl_refused, crl_adopted, sync_rounds,
 *             sync_diff, requests_sent, sessions_opened, send_errors},
 *             routing (when mesh_routing is on) {seqno (ours), relay
 *             (we relay), links[] (id, name, alive, relay, rtt_us,
 *             rttvar_us, lost, resolved (probes of the loss window),
 *             cost (metric units of 100 us; 65535: none), fast (probed
 *             every 100 ms), probes_sent, probes_answered), routes[] (id,
 *             name, reachable, next_hop, next_hop_name, metric, seqno,
 *             routes (known through any neighbour), kernel_via (the
 *             kernel relays through next_hop)), counters {...,
 *             refused {reason: count}}},
 *             relay {sent, forwarded, received, no_route, denied,
 *             hop_limit, malformed, looped, unknown_source, out_of_order,
 *             reasm_expired, reasm_evicted} (handshakes through the mesh)
 *
 * Peers come in the peer table's order. A request other than "status"
 * (or "status json") gets {"error": "..."}.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/agent.h"
#include "core/log.h"
#include "ctl/control.h"
#include "ctl/server.h"
#include "fib/fib.h"
#include "hex.h"
#include "json.h"
#include "mesh/mesh.h"
#include "peer/peer.h"
#include "transport/addr.h"

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
	[HS_CERT_REVOKED] = "revoked",
	[HS_BAD_SIGNATURE] = "bad_signature",
	[HS_ROUTE_NOT_ALLOWED] = "route_not_allowed",
	[HS_NO_MATCH] = "no_match",
	[HS_REPLAY] = "replay",
	[HS_CRYPTO] = "crypto",
};

/* ---- the status document ----------------------------------------------- */

struct peer_view {
	char id[AEGIS_NODE_ID_HEX_SIZE];
	char endpoint[AEGIS_ENDPOINT_STRSIZE];
	struct aegis_nl_node kn;		/* zero without a kernel node */
	bool has_key;
	uint32_t key_age;
	int64_t handshake_ago;		/* -1: never */
};

/* What status shows of p, with the kernel's counters and endpoint. */
static void peer_view(struct agent *a, const struct peer *p,
		      struct peer_view *v)
{
	struct aegis_nl_key key;

	memset(v, 0, sizeof(*v));
	if (p->has_id)
		aegis_node_id_format(p->id, v->id);
	if (p->ep_len)
		addr_str((const struct sockaddr *)&p->ep, v->endpoint,
			 sizeof(v->endpoint));
	v->handshake_ago = -1;
	if (p->last_handshake_wall)
		v->handshake_ago = (int64_t)time(NULL) -
				   (int64_t)p->last_handshake_wall;
	/* Ask the kernel only about nodes the fib installed. */
	if (!p->has_id || (a->fib && !fib_node_installed(a->fib, p->id)))
		return;
	if (kernel_node_get(&a->k, p->id, &v->kn)) {
		memset(&v->kn, 0, sizeof(v->kn));
		return;
	}
	if (AEGIS_HAS(&v->kn, AEGIS_NODE_A_ENDPOINT_PORT))
		aegis_endpoint_format(&v->kn.endpoint, v->endpoint,
				      sizeof(v->endpoint));
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

static void status_node(struct agent *a, struct aegis_json *j)
{
	char s[AEGIS_PREFIX_STRSIZE], id[AEGIS_NODE_ID_HEX_SIZE];

	aegis_json_key(j, "node");
	aegis_json_object_begin(j);
	aegis_json_kv_string(j, "name", a->cfg.node_name);
	aegis_json_kv_string(j, "id", aegis_node_id_format(a->id.node_id, id));
	aegis_json_kv_string(j, "network", a->me.network);
	aegis_addr_format(&a->cfg.mesh_ip, s, sizeof(s));
	aegis_json_kv_string(j, "mesh_ip", s);
	if (a->cfg.mesh_ip6.family) {
		aegis_addr_format(&a->cfg.mesh_ip6, s, sizeof(s));
		aegis_json_kv_string(j, "mesh_ip6", s);
	}
	aegis_json_kv_string(j, "interface", a->cfg.ifname);
	aegis_json_kv_u64(j, "listen_port", a->port);
	aegis_json_kv_string(j, "cipher", config_cipher_name(a->cfg.cipher));
	aegis_json_kv_u64(j, "rekey_interval", a->cfg.rekey_interval);
	aegis_json_kv_u64(j, "uptime", (clock_ms() - a->start_ms) / 1000);
	aegis_json_kv_string(j, "roles", roles_str(a->me.roles, s, sizeof(s)));
	aegis_json_kv_u64(j, "cert_expires", (uint64_t)a->me.not_after);
	aegis_json_object_end(j);
}

static void status_peer(struct agent *a, const struct peer *p,
			struct aegis_json *j)
{
	struct peer_view v;

	peer_view(a, p, &v);
	aegis_json_object_begin(j);
	aegis_json_kv_string(j, "id", v.id);
	aegis_json_kv_string(j, "name", p->has_id ? p->cert.name : "");
	aegis_json_kv_string(j, "endpoint", v.endpoint);
	aegis_json_kv_string(j, "state", peer_state_name(p->state));
	aegis_json_kv_bool(j, "static", p->static_idx >= 0);
	aegis_json_key(j, "last_handshake_ago");
	if (v.handshake_ago >= 0)
		aegis_json_i64(j, v.handshake_ago);
	else
		aegis_json_null(j);
	aegis_json_key(j, "key_age");
	if (v.has_key)
		aegis_json_u64(j, v.key_age);
	else
		aegis_json_null(j);
	aegis_json_kv_string(j, "cipher", p->has_primary ?
			     config_cipher_name(p->cipher) : "");
	aegis_json_kv_string(j, "role", !p->has_primary ? "" :
			     p->we_initiated ? "initiator" : "responder");
	aegis_json_kv_u64(j, "rotations", p->rotations);
	aegis_json_kv_u64(j, "rx_bytes", v.kn.rx_bytes);
	aegis_json_kv_u64(j, "tx_bytes", v.kn.tx_bytes);
	aegis_json_kv_u64(j, "rx_packets", v.kn.rx_packets);
	aegis_json_kv_u64(j, "tx_packets", v.kn.tx_packets);
	json_prefix_list(j, "routes", p->routes.p,
			 p->routes_known ? p->routes.n : 0);
	aegis_json_object_end(j);
}

static void status_routes(struct agent *a, struct aegis_json *j)
{
	char s[AEGIS_PREFIX_STRSIZE];
	const struct peer *p;
	unsigned int k;

	aegis_json_key(j, "routes");
	aegis_json_array_begin(j);
	for (p = peer_first(&a->peers); p; p = peer_next(p)) {
		if (!p->has_id || !p->routes_known)
			continue;
		for (k = 0; k < p->routes.n; k++) {
			aegis_json_object_begin(j);
			aegis_prefix_format(&p->routes.p[k], s, sizeof(s));
			aegis_json_kv_string(j, "prefix", s);
			aegis_json_kv_string(j, "peer", p->cert.name);
			aegis_json_object_end(j);
		}
	}
	aegis_json_array_end(j);
}

static void status_counters(struct agent *a, struct aegis_json *j)
{
	unsigned int i;

	aegis_json_key(j, "counters");
	aegis_json_object_begin(j);
	aegis_json_kv_u64(j, "handshakes", a->stats.handshakes);
	aegis_json_kv_u64(j, "rotations", a->stats.rotations);
	aegis_json_kv_u64(j, "initiations_sent", a->stats.inits_tx);
	aegis_json_kv_u64(j, "initiations_received", a->stats.inits_rx);
	aegis_json_kv_u64(j, "rsa_verifies", a->stats.rsa_verifies);
	aegis_json_kv_u64(j, "cookies_sent", a->stats.cookies_sent);
	aegis_json_kv_u64(j, "rate_limited", a->stats.rate_limited);
	aegis_json_kv_u64(j, "garbage", a->stats.garbage);
	aegis_json_kv_u64(j, "simultaneous", a->stats.simultaneous);
	aegis_json_kv_u64(j, "kernel_errors", a->stats.kernel_errors);
	aegis_json_kv_u64(j, "stun", a->stats.stun);
	aegis_json_kv_u64(j, "table_full", a->stats.table_full);
	aegis_json_kv_u64(j, "send_errors", a->stats.send_errors);
	aegis_json_kv_u64(j, "notifications_lost", a->stats.ntf_lost);
	aegis_json_kv_u64(j, "peers", a->peers.count);
	aegis_json_kv_u64(j, "timers", timer_count(&a->timers));
	aegis_json_kv_u64(j, "dns_pending", resolve_pending(&a->resolver));
	/* The CA's revocation list in force (0 and 0: none). */
	aegis_json_kv_u64(j, "revocation_version", a->revoked.crl.version);
	aegis_json_kv_u64(j, "revoked_nodes", a->revoked.crl.n);
	aegis_json_key(j, "refused");
	aegis_json_object_begin(j);
	for (i = 1; i < HS_STATUS_MAX; i++)
		aegis_json_kv_u64(j, refusal_names[i], a->stats.hs_reject[i]);
	aegis_json_object_end(j);
	aegis_json_object_end(j);
}

static void mesh_member(struct agent *a, const struct member *mm,
			time_t now, struct aegis_json *j)
{
	const struct member_record *r = mm->rec;
	char id[AEGIS_NODE_ID_HEX_SIZE], s[INET6_ADDRSTRLEN + 16];
	const struct peer *p = peer_find_id(&a->peers, mm->id);
	unsigned int i;

	aegis_json_object_begin(j);
	aegis_json_kv_string(j, "id", aegis_node_id_format(mm->id, id));
	aegis_json_kv_string(j, "name", p && p->has_id ? p->cert.name : "");
	aegis_json_kv_u64(j, "seq", r->seq);
	aegis_json_key(j, "age");
	aegis_json_i64(j, (int64_t)(now - mm->updated));
	aegis_json_key(j, "expires_in");
	aegis_json_i64(j, (int64_t)r->expiry - (int64_t)now);
	aegis_json_key(j, "endpoints");
	aegis_json_array_begin(j);
	for (i = 0; i < r->n_endpoints; i++) {
		struct aegis_udp_endpoint ep = {
			.addr = r->ep[i].addr, .port = r->ep[i].port,
		};

		if (aegis_endpoint_format(&ep, s, sizeof(s)))
			snprintf(s, sizeof(s), "?");
		aegis_json_string(j, s);
	}
	aegis_json_array_end(j);
	json_prefix_list(j, "prefixes", r->prefixes, r->n_prefixes);
	aegis_json_kv_bool(j, "leaving", member_leaving(mm));
	aegis_json_kv_string(j, "session", p ? peer_state_name(p->state) : "");
	aegis_json_object_end(j);
}

static const char *peer_name(struct agent *a, const uint8_t *id)
{
	const struct peer *p = peer_find_id(&a->peers, id);

	return p && p->has_id ? p->cert.name : "";
}

/* The neighbour links as the probes see them. */
static void mesh_links(struct agent *a, struct aegis_json *j)
{
	char id[AEGIS_NODE_ID_HEX_SIZE];
	const struct peer *p;

	aegis_json_key(j, "links");
	aegis_json_array_begin(j);
	for (p = peer_first(&a->peers); p; p = peer_next(p)) {
		const struct mesh_link *l = p->mesh;
		uint32_t srtt = 0, var = 0;
		unsigned int lost, resolved;

		if (!l || !l->rt_up)
			continue;
		probe_srtt_us(&l->probe, &srtt, &var);
		probe_loss(&l->probe, a->now, &lost, &resolved);
		aegis_json_object_begin(j);
		aegis_json_kv_string(j, "id", aegis_node_id_format(p->id, id));
		aegis_json_kv_string(j, "name", p->cert.name);
		aegis_json_kv_bool(j, "alive", l->rt_alive);
		aegis_json_kv_bool(j, "relay", p->cert.roles & CERT_ROLE_RELAY);
		aegis_json_kv_u64(j, "rtt_us", srtt);
		aegis_json_kv_u64(j, "rttvar_us", var);
		aegis_json_kv_u64(j, "lost", lost);
		aegis_json_kv_u64(j, "resolved", resolved);
		aegis_json_kv_u64(j, "cost", l->cost);
		aegis_json_kv_bool(j, "fast", a->now < l->active_until);
		aegis_json_kv_u64(j, "probes_sent", l->probe.n_sent);
		aegis_json_kv_u64(j, "probes_answered", l->probe.n_answered);
		aegis_json_object_end(j);
	}
	aegis_json_array_end(j);
}

/* The routing table: each destination's selected route. */
static void mesh_routes(struct agent *a, struct aegis_json *j)
{
	const struct rib *r = a->mesh->rib;
	char id[AEGIS_NODE_ID_HEX_SIZE];
	const struct rib_list *e;

	aegis_json_key(j, "routes");
	aegis_json_array_begin(j);
	for (e = r->all.next; e != &r->all; e = e->next) {
		const struct rib_dest *d = container_of(e, struct rib_dest, all);
		const struct rib_route *sel = d->selected;
		const struct peer *p = peer_find_id(&a->peers, d->id);

		aegis_json_object_begin(j);
		aegis_json_kv_string(j, "id", aegis_node_id_format(d->id, id));
		aegis_json_kv_string(j, "name", peer_name(a, d->id));
		aegis_json_kv_bool(j, "reachable", sel != NULL);
		aegis_json_kv_string(j, "next_hop", sel ?
				     aegis_node_id_format(sel->nbr->id, id) : "");
		aegis_json_kv_string(j, "next_hop_name",
				     sel ? peer_name(a, sel->nbr->id) : "");
		aegis_json_kv_u64(j, "metric", sel ? sel->metric : RIB_METRIC_INF);
		aegis_json_kv_u64(j, "seqno", sel ? sel->seqno : d->fd.seqno);
		aegis_json_kv_u64(j, "routes", d->n_routes);
		aegis_json_kv_bool(j, "kernel_via", p && p->has_via);
		aegis_json_object_end(j);
	}
	aegis_json_array_end(j);
}

static void mesh_routing(struct agent *a, struct aegis_json *j)
{
	const struct mesh_route_stats *st = &a->mesh->rstats;
	static const char *const refusals[MESH_RT_MAX] = {
		[MESH_RT_UNKNOWN_ORIGIN] = "unknown_origin",
		[MESH_RT_REVOKED] = "revoked",
		[MESH_RT_SEQNO_UNSIGNED] = "seqno_unsigned",
		[MESH_RT_NOT_NEIGHBOUR] = "not_neighbour",
	};
	const struct rib_stats *rs = &a->mesh->rib->stats;
	unsigned int i;

	aegis_json_key(j, "routing");
	aegis_json_object_begin(j);
	aegis_json_kv_u64(j, "seqno", a->mesh->rib->seqno);
	aegis_json_kv_bool(j, "relay", a->mesh->sel.relay);
	mesh_links(a, j);
	mesh_routes(a, j);
	aegis_json_key(j, "counters");
	aegis_json_object_begin(j);
	aegis_json_kv_u64(j, "probes_sent", st->probes_sent);
	aegis_json_kv_u64(j, "stray_echoes", st->stray_echoes);
	aegis_json_kv_u64(j, "links_alive", st->links_alive);
	aegis_json_kv_u64(j, "links_dead", st->links_dead);
	aegis_json_kv_u64(j, "updates_rx", st->updates_rx);
	aegis_json_kv_u64(j, "updates_sent", st->updates_sent);
	aegis_json_kv_u64(j, "adverts_sent", st->adverts_sent);
	aegis_json_kv_u64(j, "dumps", st->dumps);
	aegis_json_key(j, "refused");
	aegis_json_object_begin(j);
	for (i = 0; i < MESH_RT_MAX; i++)
		aegis_json_kv_u64(j, refusals[i], st->refused[i]);
	aegis_json_object_end(j);
	aegis_json_kv_u64(j, "unfeasible", rs->unfeasible);
	aegis_json_kv_u64(j, "retractions", rs->retractions);
	aegis_json_kv_u64(j, "expired", rs->expired);
	aegis_json_kv_u64(j, "lost", rs->lost);
	aegis_json_kv_u64(j, "requests_rx", st->requests_rx);
	aegis_json_kv_u64(j, "requests_sent", st->requests_sent);
	aegis_json_kv_u64(j, "requests_forwarded", st->requests_forwarded);
	aegis_json_kv_u64(j, "seqno_bumps", st->seqno_bumps);
	aegis_json_kv_u64(j, "route_changes", st->route_changes);
	aegis_json_kv_u64(j, "next_hop_changes", st->next_hop_changes);
	aegis_json_kv_u64(j, "no_memory", st->no_memory);
	aegis_json_object_end(j);
	aegis_json_object_end(j);
}

static void mesh_relay(struct agent *a, struct aegis_json *j)
{
	const struct mesh_relay_stats *st = &a->mesh->relay_stats;

	aegis_json_key(j, "relay");
	aegis_json_object_begin(j);
	aegis_json_kv_u64(j, "sent", st->sent);
	aegis_json_kv_u64(j, "forwarded", st->forwarded);
	aegis_json_kv_u64(j, "received", st->received);
	aegis_json_kv_u64(j, "no_route", st->no_route);
	aegis_json_kv_u64(j, "denied", st->denied);
	aegis_json_kv_u64(j, "hop_limit", st->hop_limit);
	aegis_json_kv_u64(j, "malformed", st->malformed);
	aegis_json_kv_u64(j, "looped", st->looped);
	aegis_json_kv_u64(j, "unknown_source", st->unknown_source);
	aegis_json_kv_u64(j, "out_of_order", st->out_of_order);
	aegis_json_kv_u64(j, "reasm_expired", st->reasm_expired);
	aegis_json_kv_u64(j, "reasm_evicted", st->reasm_evicted);
	aegis_json_object_end(j);
}

static void status_mesh(struct agent *a, struct aegis_json *j)
{
	const struct mesh *m = a->mesh;
	const struct mesh_stats *st = &m->stats;
	unsigned int neighbours = 0, i;
	time_t now = time(NULL);
	const struct peer *p;
	size_t k;

	for (p = peer_first(&a->peers); p; p = peer_next(p))
		neighbours += mesh_is_neighbour(p);
	aegis_json_key(j, "mesh");
	aegis_json_object_begin(j);
	aegis_json_kv_bool(j, "discovery", m->on);
	aegis_json_kv_u64(j, "self_seq", m->self_seq);
	aegis_json_kv_u64(j, "neighbours", neighbours);
	aegis_json_key(j, "members");
	aegis_json_array_begin(j);
	for (k = 0; k < member_count(&m->members); k++) {
		const struct member *mm = member_at(&m->members, k);

		if (memcmp(mm->id, a->id.node_id, AEGIS_NODE_ID_LEN))
			mesh_member(a, mm, now, j);
	}
	aegis_json_array_end(j);
	aegis_json_key(j, "counters");
	aegis_json_object_begin(j);
	aegis_json_kv_u64(j, "rx_packets", st->rx_packets);
	aegis_json_kv_u64(j, "rx_bytes", st->rx_bytes);
	aegis_json_kv_u64(j, "tx_packets", st->tx_packets);
	aegis_json_kv_u64(j, "tx_bytes", st->tx_bytes);
	aegis_json_key(j, "channel");
	aegis_json_object_begin(j);
	for (i = 0; i < CHAN_VERDICT_MAX; i++)
		aegis_json_kv_u64(j, chan_verdict_name(i), st->chan[i]);
	aegis_json_object_end(j);
	aegis_json_kv_u64(j, "bad_bundle", st->bad_bundle);
	aegis_json_kv_u64(j, "rate_limited", st->rate_limited);
	aegis_json_key(j, "records");
	aegis_json_object_begin(j);
	for (i = 0; i < MEMBER_VERDICT_MAX; i++)
		aegis_json_kv_u64(j, member_verdict_name(i),
				  m->members.stats.record[i]);
	aegis_json_object_end(j);
	aegis_json_kv_u64(j, "records_sent", st->records_sent);
	aegis_json_kv_u64(j, "certs_sent", st->certs_sent);
	aegis_json_kv_u64(j, "crls_sent", st->crls_sent);
	aegis_json_kv_u64(j, "obj_refused", st->obj_refused);
	aegis_json_kv_u64(j, "obj_expired", st->obj_expired);
	aegis_json_kv_u64(j, "crl_refused", st->crl_refused);
	aegis_json_kv_u64(j, "crl_adopted", st->crl_adopted);
	aegis_json_kv_u64(j, "sync_rounds", st->sync_rounds);
	aegis_json_kv_u64(j, "sync_diff", st->sync_diff);
	aegis_json_kv_u64(j, "requests_sent", st->requests_sent);
	aegis_json_kv_u64(j, "sessions_opened", st->sessions_opened);
	aegis_json_kv_u64(j, "send_errors", st->send_errors);
	aegis_json_object_end(j);
	if (m->rib) {
		mesh_routing(a, j);
		mesh_relay(a, j);
	}
	aegis_json_object_end(j);
}

static void status_json(struct agent *a, FILE *out)
{
	const struct peer *p;
	struct aegis_json j;

	aegis_json_init(&j, out);
	aegis_json_object_begin(&j);
	status_node(a, &j);
	aegis_json_key(&j, "peers");
	aegis_json_array_begin(&j);
	for (p = peer_first(&a->peers); p; p = peer_next(p))
		status_peer(a, p, &j);
	aegis_json_array_end(&j);
	status_routes(a, &j);
	status_counters(a, &j);
	if (a->mesh)
		status_mesh(a, &j);
	aegis_json_object_end(&j);
	if (aegis_json_finish(&j))
		log_warn("control socket: the status document is incomplete");
}

static void error_json(FILE *out, const char *msg)
{
	struct aegis_json j;

	aegis_json_init(&j, out);
	aegis_json_object_begin(&j);
	aegis_json_kv_string(&j, "error", msg);
	aegis_json_object_end(&j);
	aegis_json_finish(&j);
}

/* ---- the server on the agent's loop ------------------------------------ */

static void control_respond(void *ctx, const char *req, FILE *out)
{
	char msg[96];

	if (!strcmp(req, "status") || !strcmp(req, "status json")) {
		status_json(ctx, out);
		return;
	}
	snprintf(msg, sizeof(msg), "unknown request '%.32s' (try: status)",
		 req);
	error_json(out, msg);
}

static int control_watch(void *ctx, int fd, uint32_t events,
			 struct loop_source *src)
{
	return loop_watch(ctx, fd, events, src);
}

static int control_modify(void *ctx, int fd, uint32_t events,
			  struct loop_source *src)
{
	return loop_modify(ctx, fd, events, src);
}

static void control_unwatch(void *ctx, int fd, struct loop_source *src)
{
	loop_unwatch(ctx, fd, src);
}

static const struct ctl_server_ops control_ops = {
	.watch = control_watch,
	.modify = control_modify,
	.unwatch = control_unwatch,
	.respond = control_respond,
};

int control_open(struct agent *a)
{
	struct ctl_server *s;
	char err[256 + PATH_MAX];
	int ret;

	s = malloc(sizeof(*s));
	if (!s) {
		log_err("control socket: out of memory");
		return -ENOMEM;
	}
	ctl_server_init(s, &control_ops, a, &a->timers);
	ret = ctl_server_listen(s, a->cfg.control_socket, err, sizeof(err));
	if (ret) {
		log_err("%s", err);
		free(s);
		return ret;
	}
	a->ctl = s;
	return 0;
}

void control_close(struct agent *a)
{
	if (!a->ctl)
		return;
	ctl_server_close(a->ctl);
	free(a->ctl);
	a->ctl = NULL;
}
