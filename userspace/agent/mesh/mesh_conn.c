// SPDX-License-Identifier: MIT
/*
 * Which members we hold sessions with (mesh.h).
 *
 *  - Every member whose record gives an endpoint becomes a peer at once,
 *    IDLE: its node and its certified IPs (and advertised prefixes) are
 *    in the kernel without keys, so that the first packet to it raises
 *    NO_KEY and the session layer starts a handshake (on demand).
 *  - Among them neigh_select() picks the neighbours (XOR buckets, up to
 *    max_neighbors besides static peers): those get a standing session
 *    now, and are the ones gossip flows through.
 *  - An idle member's peer whose member went (left, expired, revoked) is
 *    removed. A session is never torn down here: the session layer ends
 *    it (keys expire, the peer leaves).
 *  - A handshake to a member that failed tries its record's next
 *    endpoint the next time.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "core/agent.h"
#include "core/log.h"
#include "hex.h"
#include "mesh/mesh.h"
#include "neigh/neigh.h"
#include "peer/peer.h"
#include "session/session.h"
#include "transport/addr.h"

#define CONN_SOON_MS	100	/* a new member: choose again this soon */

void mesh_conn_member(struct agent *a, const struct member *mm)
{
	struct mesh *m = a->mesh;

	if (!mm->rec || member_leaving(mm) ||
	    !memcmp(mm->id, a->id.node_id, WIRE_MESH_ID_LEN))
		return;
	if (!timer_armed(&m->t_conn) || m->t_conn.deadline > a->now + CONN_SOON_MS)
		timer_arm(&a->timers, &m->t_conn, a->now + CONN_SOON_MS);
}

/* Endpoint i of a record as a socket address. */
static int record_ep(const struct member_record *r, unsigned int i,
		     struct sockaddr_storage *ss, socklen_t *len)
{
	struct aegis_udp_endpoint ep;
	const struct wire_mesh_endpoint *e;

	if (!r->n_endpoints)
		return -ENOENT;
	e = &r->ep[i % r->n_endpoints];
	memset(&ep, 0, sizeof(ep));
	ep.addr = e->addr;
	ep.port = e->port;
	return addr_from_endpoint(&ep, ss, len);
}

/* A member we may reach: a record that is not a LEAVE, a certificate, an
 * endpoint, not us, not revoked. */
static bool eligible(const struct agent *a, const struct member *mm)
{
	return mm->rec && mm->cert && !member_leaving(mm) &&
	       mm->rec->n_endpoints &&
	       memcmp(mm->id, a->id.node_id, WIRE_MESH_ID_LEN) &&
	       !revoke_contains(&a->revoked, mm->id);
}

/* The member as an IDLE peer with its node in the kernel. */
static struct peer *make_idle(struct agent *a, const struct member *mm)
{
	const unsigned char *der = mm->cert->der;
	struct cert_info ci;
	struct mesh_link *l;
	struct peer *p;
	X509 *x;

	x = d2i_X509(NULL, &der, (long)mm->cert->der_len);
	if (!x)
		return NULL;
	memset(&ci, 0, sizeof(ci));
	if (cert_read_info(x, &ci)) {
		X509_free(x);
		return NULL;
	}
	X509_free(x);
	p = session_peer_new(a);
	if (!p) {
		a->stats.table_full++;
		return NULL;
	}
	l = mesh_link_get(p);
	p->on_demand = true;
	if (!l || peer_set_id(&a->peers, p, mm->id) ||
	    record_ep(mm->rec, 0, &p->ep, &p->ep_len))
		goto fail;
	mesh_route_peer_new(a, p);	/* a route may have come first */
	if (session_idle_install(a, p, &ci, mm->rec->prefixes,
				 mm->rec->n_prefixes))
		goto fail;
	return p;
fail:
	session_teardown(a, p);
	peer_free(&a->peers, p);
	return NULL;
}

/* A handshake to a member that failed: its record's next endpoint. */
static void next_endpoint(struct peer *p, const struct member *mm)
{
	struct mesh_link *l = p->mesh;

	if (!l || !p->on_demand || p->state == PEER_ESTABLISHED ||
	    p->attempts == l->ep_attempts || mm->rec->n_endpoints < 2)
		return;
	l->ep_attempts = p->attempts;
	l->ep_idx = (l->ep_idx + 1) % mm->rec->n_endpoints;
	record_ep(mm->rec, l->ep_idx, &p->ep, &p->ep_len);
}

/* Idle peers of members that are gone. */
static void drop_gone(struct agent *a)
{
	struct peer *p, *n;

	for (p = peer_first(&a->peers); p; p = n) {
		const struct member *mm;

		n = peer_next(p);
		if (!p->on_demand || p->static_idx >= 0 ||
		    (p->state != PEER_IDLE && p->state != PEER_FAILED))
			continue;
		mm = member_find(&a->mesh->members, p->id);
		if (mm && eligible(a, mm))
			continue;
		session_teardown(a, p);
		peer_free(&a->peers, p);
	}
}

void mesh_conn_select(struct agent *a)
{
	struct mesh *m = a->mesh;
	size_t n = member_count(&m->members), i, k = 0;
	struct neigh_conf conf = {
		.k = NEIGH_DEFAULT_K, .max = a->cfg.max_neighbors,
	};
	char name[AEGIS_NODE_ID_SHORT_SIZE];
	enum neigh_verdict *verdict;
	struct neigh_cand *cand;
	struct peer **who;

	if (!m->on)
		return;
	drop_gone(a);
	if (!n)
		return;
	cand = calloc(n, sizeof(*cand));
	verdict = calloc(n, sizeof(*verdict));
	who = calloc(n, sizeof(*who));
	if (!cand || !verdict || !who)
		goto out;
	for (i = 0; i < n; i++) {
		struct member *mm = member_at(&m->members, i);
		struct peer *p;

		if (!eligible(a, mm))
			continue;
		p = peer_find_id(&a->peers, mm->id);
		if (!p)
			p = make_idle(a, mm);
		if (!p)
			continue;
		next_endpoint(p, mm);
		memcpy(cand[k].id, mm->id, NEIGH_ID_LEN);
		cand[k].reachable = !p->has_via;	/* directly */
		cand[k].is_static = p->static_idx >= 0;
		cand[k].is_neighbour = mesh_is_neighbour(p);
		if (cand[k].is_neighbour)
			cand[k].up_since_ms = p->mesh->up_ms;
		who[k++] = p;
	}
	if (neigh_select(a->id.node_id, cand, k, &conf, verdict) < 0)
		goto out;
	for (i = 0; i < k; i++) {
		struct peer *p = who[i];

		if (verdict[i] == NEIGH_NO || p->state != PEER_IDLE)
			continue;
		m->stats.sessions_opened++;
		log_debug("mesh: neighbour %s: session",
			  aegis_node_id_short(p->id, name));
		session_initiate(a, p, "mesh neighbour");
	}
out:
	free(cand);
	free(verdict);
	free(who);
}
