// SPDX-License-Identifier: MIT
/*
 * MESH packets (mesh.h): in, opened with the session's mesh keys and
 * checked whole before any message in them is acted on; out, as bundles
 * sealed for one peer.
 */
#include <errno.h>
#include <string.h>

#include "core/agent.h"
#include "core/log.h"
#include "mesh/mesh.h"
#include "peer/peer.h"
#include "transport/udp.h"

/* May one more message from l be handled now? */
static bool rx_allowed(struct mesh_link *l, uint64_t now)
{
	uint64_t add = (now - l->tokens_ms) * MESH_RX_RATE / 1000;

	if (!l->tokens_ms || add >= MESH_RX_BURST) {
		l->tokens = MESH_RX_BURST;
		l->tokens_ms = now;
	} else if (add) {
		l->tokens = (uint32_t)(l->tokens + add > MESH_RX_BURST ?
				       MESH_RX_BURST : l->tokens + add);
		l->tokens_ms += add * 1000 / MESH_RX_RATE;
	}
	if (!l->tokens)
		return false;
	l->tokens--;
	return true;
}

void mesh_on_datagram(struct agent *a, const uint8_t *buf, size_t len,
		      const struct sockaddr *src, socklen_t srclen)
{
	struct mesh *m = a->mesh;
	uint8_t plain[WIRE_MAX_DATAGRAM];
	struct wire_mesh_reader r;
	struct wire_mesh_tlv t;
	struct chan_keys *k = NULL;
	struct wire_sealed s;
	enum chan_verdict v;
	struct peer *p = NULL;
	size_t plen = 0;

	(void)src;
	(void)srclen;
	if (!m)
		return;
	if (wire_parse_sealed(buf, len, &s)) {
		v = CHAN_MALFORMED;
	} else {
		p = peer_find_chan(&a->peers, s.dcid_index, &k);
		v = p ? chan_open(k, buf, &s, plain, &plen) : CHAN_NO_KEY;
	}
	m->stats.chan[v]++;
	if (v != CHAN_OK)
		return;
	m->stats.rx_packets++;
	m->stats.rx_bytes += len;
	/* On the key a responder holds for CONFIRM: the initiator has it. */
	if (k == &p->chan[PEER_CHAN_ALT])
		session_chan_confirmed(a, p, k->rx_index);
	if (!m->on || !p->mesh || !p->mesh->up)
		return;		/* counted; a neighbour yet to be greeted */
	if (p->mesh->rt_up)
		probe_heard(&p->mesh->probe, a->now);	/* the link works */
	if (wire_mesh_bundle_check(plain, plen) < 0) {
		m->stats.bad_bundle++;
		return;
	}
	wire_mesh_reader_init(&r, plain, plen);
	while (wire_mesh_bundle_next(&r, &t) == 1) {
		if (!rx_allowed(p->mesh, a->now)) {
			m->stats.rate_limited++;
			continue;
		}
		m->stats.rx_msgs[t.type <= WIRE_MESH_TYPE_MAX ? t.type : 0]++;
		switch (t.type) {
		case WIRE_MESH_PROBE:
		case WIRE_MESH_ECHO:
		case WIRE_MESH_ROUTE_UPDATE:
		case WIRE_MESH_ROUTE_SEQNO_REQUEST:
			mesh_route_on_msg(a, p, &t);
			continue;
		case WIRE_MESH_RELAYED_HANDSHAKE:
			mesh_relay_on_msg(a, p, &t);
			continue;
		default:
			break;
		}
		if (mesh_gossip_on_msg(a, p, &t))
			break;
	}
	mesh_route_run(a);
}

/* ---- out --------------------------------------------------------------- */

void mesh_out_begin(struct mesh_out *o, struct agent *a, struct peer *p)
{
	o->a = a;
	o->p = p;
	o->msgs = 0;
	wire_mesh_bundle_init(&o->b, o->mem, sizeof(o->mem));
}

void mesh_out_add(struct mesh_out *o, unsigned int type, const uint8_t *body,
		  size_t len)
{
	if (wire_mesh_bundle_add(&o->b, type, body, len) == -EMSGSIZE) {
		mesh_out_flush(o);
		if (wire_mesh_bundle_add(&o->b, type, body, len))
			return;
	}
	o->msgs++;
}

void mesh_out_flush(struct mesh_out *o)
{
	struct mesh *m = o->a->mesh;
	struct wire_buf w;
	int ret;

	if (!o->b.len)
		return;
	ret = chan_seal(&o->p->chan[PEER_CHAN_CUR], o->b.data, o->b.len, &w);
	o->b.len = 0;
	o->msgs = 0;
	if (ret) {
		m->stats.send_errors++;
		return;
	}
	if (udp_send(o->a, (const struct sockaddr *)&o->p->ep, w.data, w.len)) {
		m->stats.send_errors++;
		return;
	}
	m->stats.tx_packets++;
	m->stats.tx_bytes += w.len;
}
