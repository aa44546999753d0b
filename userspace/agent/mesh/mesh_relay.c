// SPDX-License-Identifier: MIT
/*
 * Handshakes through the mesh (mesh.h): a member we have no direct path to
 * gets its INIT, RESP and CONFIRM as RELAYED_HANDSHAKE pieces, hop by hop
 * over the neighbours' mesh channels along the routes of mesh_route.c.
 * The two ends make their own session (keys no relay holds); their data
 * then goes through the kernel's relay path (the node's `via`).
 *
 *  - Out: the packet is cut into pieces of MESH_RELAY_PIECE bytes at most
 *    and sent to the next hop of the destination's selected route.
 *  - Through us: only if our certificate has the relay role (sel.relay),
 *    the hop limit is not spent, and the next hop is not the neighbour it
 *    came from. Pieces are forwarded as they come; relays never
 *    reassemble.
 *  - To us: pieces are put together per (source, packet id) in one of
 *    MESH_MAX_REASM slots (the oldest goes when all are taken), for
 *    MESH_REASM_TTL_MS at most; the whole packet goes to the session
 *    layer, which knows it came relayed (session_on_relayed()): replies go
 *    back the same way, no endpoint is learnt from it, and an INIT must
 *    name the source's identity.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "core/agent.h"
#include "core/log.h"
#include "mesh/mesh.h"
#include "peer/peer.h"
#include "session/session.h"

#define MESH_RELAY_PIECE	1000	/* data bytes per piece */

/* The neighbour to send dst's traffic to, or NULL. */
static struct peer *next_hop(struct agent *a, const uint8_t *dst)
{
	const struct rib_dest *d;
	struct peer *p;

	if (!a->mesh || !a->mesh->rib)
		return NULL;
	d = rib_dest_find(a->mesh->rib, dst);
	if (!d || !d->selected)
		return NULL;
	p = peer_find_id(&a->peers, d->selected->nbr->id);
	return p && mesh_is_neighbour(p) ? p : NULL;
}

static void send_pieces(struct agent *a, struct peer *hop,
			const struct wire_mesh_relayed_hs *h0)
{
	struct wire_mesh_relayed_hs h = *h0;
	struct mesh_out o;
	size_t off;

	mesh_out_begin(&o, a, hop);
	for (off = 0; off < h0->data_len; off += MESH_RELAY_PIECE) {
		h.offset = (uint16_t)(h0->offset + off);
		h.data = h0->data + off;
		h.data_len = h0->data_len - off > MESH_RELAY_PIECE ?
			     MESH_RELAY_PIECE : h0->data_len - off;
		mesh_out_put(&o, wire_mesh_put_relayed_hs, &h);
	}
	mesh_out_flush(&o);
}

int mesh_relay_send(struct agent *a, const uint8_t *dst, const uint8_t *pkt,
		    size_t len)
{
	struct wire_mesh_relayed_hs h;
	struct peer *hop = next_hop(a, dst);

	if (!hop) {
		if (a->mesh)
			a->mesh->relay_stats.no_route++;
		return -EHOSTUNREACH;
	}
	if (len < WIRE_HDR_LEN || len > WIRE_MAX_DATAGRAM)
		return -EMSGSIZE;
	memset(&h, 0, sizeof(h));
	h.hop_limit = WIRE_MESH_MAX_HOPS;
	h.src = a->id.node_id;
	h.dst = dst;
	if (RAND_bytes((uint8_t *)&h.packet_id, sizeof(h.packet_id)) != 1)
		h.packet_id = (uint32_t)a->now;
	h.total = (uint16_t)len;
	h.data = pkt;
	h.data_len = len;
	send_pieces(a, hop, &h);
	a->mesh->relay_stats.sent++;
	return 0;
}

/* ---- to us: reassembly ---------------------------------------------------- */

static struct mesh_reasm *reasm_slot(struct mesh *m,
				     const struct wire_mesh_relayed_hs *h,
				     uint64_t now)
{
	struct mesh_reasm *r, *free_slot = NULL, *oldest = &m->reasm[0];
	unsigned int i;

	for (i = 0; i < MESH_MAX_REASM; i++) {
		r = &m->reasm[i];
		if (r->used && now - r->started_ms > MESH_REASM_TTL_MS) {
			r->used = false;
			m->relay_stats.reasm_expired++;
		}
		if (r->used && r->packet_id == h->packet_id &&
		    r->total == h->total &&
		    !memcmp(r->src, h->src, WIRE_MESH_ID_LEN))
			return r;
		if (!r->used && !free_slot)
			free_slot = r;
		if (r->used && r->started_ms < oldest->started_ms)
			oldest = r;
	}
	r = free_slot;
	if (!r) {
		r = oldest;
		m->relay_stats.reasm_evicted++;
	}
	memset(r, 0, sizeof(*r));
	r->used = true;
	r->packet_id = h->packet_id;
	r->total = h->total;
	memcpy(r->src, h->src, WIRE_MESH_ID_LEN);
	r->started_ms = now;
	return r;
}

static void to_us(struct agent *a, struct peer *from,
		  const struct wire_mesh_relayed_hs *h)
{
	struct mesh *m = a->mesh;
	struct mesh_reasm *r;
	size_t end = (size_t)h->offset + h->data_len;

	if (!member_find(&m->members, h->src) ||
	    revoke_contains(&a->revoked, h->src)) {
		m->relay_stats.unknown_source++;
		return;
	}
	r = reasm_slot(m, h, a->now);
	/* Pieces come in order on one path; a gap or overlap starts over. */
	if (h->offset != r->have) {
		if (h->offset != 0) {
			m->relay_stats.out_of_order++;
			r->used = false;
			return;
		}
		r->have = 0;
	}
	memcpy(r->buf + h->offset, h->data, h->data_len);
	r->have = (uint16_t)end;
	if (r->have < r->total)
		return;
	r->used = false;
	m->relay_stats.received++;
	session_on_relayed(a, r->src, from, r->buf, r->total);
}

/* ---- through us ------------------------------------------------------------ */

static void through_us(struct agent *a, const struct peer *from,
		       const struct wire_mesh_relayed_hs *h)
{
	struct mesh *m = a->mesh;
	struct wire_mesh_relayed_hs fwd = *h;
	struct peer *hop;

	if (!m->sel.relay) {
		m->relay_stats.denied++;
		return;
	}
	if (h->hop_limit <= 1) {
		m->relay_stats.hop_limit++;
		return;
	}
	hop = next_hop(a, h->dst);
	if (!hop || hop == from) {
		m->relay_stats.no_route++;
		return;
	}
	fwd.hop_limit--;
	send_pieces(a, hop, &fwd);
	m->relay_stats.forwarded++;
}

void mesh_relay_on_msg(struct agent *a, struct peer *from,
		       const struct wire_mesh_tlv *t)
{
	struct wire_mesh_relayed_hs h;

	if (!a->mesh->rib)
		return;
	if (wire_mesh_parse_relayed_hs(t->body, t->len, &h)) {
		a->mesh->relay_stats.malformed++;
		return;
	}
	if (!memcmp(h.src, a->id.node_id, WIRE_MESH_ID_LEN)) {
		a->mesh->relay_stats.looped++;	/* ours, come back */
		return;
	}
	if (!memcmp(h.dst, a->id.node_id, WIRE_MESH_ID_LEN))
		to_us(a, from, &h);
	else
		through_us(a, from, &h);
}
