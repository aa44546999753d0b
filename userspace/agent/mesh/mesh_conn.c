// SPDX-License-Identifier: MIT
/*
 * Which members we hold sessions with (mesh.h): neighbours chosen by
 * neigh_select() among the members whose records give an endpoint, and a
 * session opened to each chosen one we have none with. Static peers are
 * kept whatever the choice. A member's session that failed tries its
 * record's next endpoint.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

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

static void open_session(struct agent *a, const struct member *mm)
{
	struct mesh *m = a->mesh;
	char name[AEGIS_NODE_ID_SHORT_SIZE];
	struct mesh_link *l;
	struct peer *p;

	p = session_peer_new(a);
	if (!p) {
		a->stats.table_full++;
		return;
	}
	l = mesh_link_get(p);
	if (!l || peer_set_id(&a->peers, p, mm->id) ||
	    record_ep(mm->rec, 0, &p->ep, &p->ep_len)) {
		session_teardown(a, p);
		peer_free(&a->peers, p);
		return;
	}
	l->opened = true;
	m->stats.sessions_opened++;
	log_debug("mesh: session to member %s",
		  aegis_node_id_short(mm->id, name));
	if (session_initiate(a, p, "mesh neighbour"))
		peer_schedule_retry(&a->peers, p, a->now);
}

/* A session we opened that keeps failing: its record's next endpoint. */
static void next_endpoint(struct peer *p, const struct member *mm)
{
	struct mesh_link *l = p->mesh;

	if (!l || !l->opened || p->state != PEER_FAILED ||
	    p->attempts == l->ep_attempts || mm->rec->n_endpoints < 2)
		return;
	l->ep_attempts = p->attempts;
	l->ep_idx = (l->ep_idx + 1) % mm->rec->n_endpoints;
	record_ep(mm->rec, l->ep_idx, &p->ep, &p->ep_len);
}

void mesh_conn_select(struct agent *a)
{
	struct mesh *m = a->mesh;
	size_t n = member_count(&m->members), i, k = 0;
	struct neigh_conf conf = {
		.k = NEIGH_DEFAULT_K, .max = a->cfg.max_neighbors,
	};
	enum neigh_verdict *verdict;
	struct neigh_cand *cand;
	struct member **who;

	if (!m->on || !n)
		return;
	cand = calloc(n, sizeof(*cand));
	verdict = calloc(n, sizeof(*verdict));
	who = calloc(n, sizeof(*who));
	if (!cand || !verdict || !who)
		goto out;
	for (i = 0; i < n; i++) {
		struct member *mm = member_at(&m->members, i);
		struct peer *p;

		if (member_leaving(mm) ||
		    !memcmp(mm->id, a->id.node_id, WIRE_MESH_ID_LEN) ||
		    revoke_contains(&a->revoked, mm->id))
			continue;
		p = peer_find_id(&a->peers, mm->id);
		memcpy(cand[k].id, mm->id, NEIGH_ID_LEN);
		cand[k].reachable = mm->rec->n_endpoints > 0;
		if (p) {
			cand[k].is_static = p->static_idx >= 0;
			cand[k].is_neighbour = mesh_is_neighbour(p);
			if (cand[k].is_neighbour)
				cand[k].up_since_ms = p->mesh->up_ms;
			next_endpoint(p, mm);
		}
		who[k++] = mm;
	}
	if (neigh_select(a->id.node_id, cand, k, &conf, verdict) < 0)
		goto out;
	for (i = 0; i < k; i++) {
		if (verdict[i] == NEIGH_NO ||
		    peer_find_id(&a->peers, who[i]->id))
			continue;
		open_session(a, who[i]);
	}
out:
	free(cand);
	free(verdict);
	free(who);
}
